using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sympozium.LocalCluster.Storage;

public sealed partial class ObjectStore
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _saveLoop;

    /// <summary>Writes the snapshot now if anything changed since the last write (atomic: temp file + rename).</summary>
    public void Save()
    {
        if (_options.SnapshotPath is not { } path)
        {
            return;
        }

        JsonObject snapshot;
        lock (_gate)
        {
            if (!_dirty)
            {
                return;
            }

            var resources = new JsonObject();
            foreach (var (resource, bucket) in _objects)
            {
                resources[resource] = new JsonArray([.. bucket.Values.Select(o => (JsonNode)o.DeepClone())]);
            }

            snapshot = new JsonObject { ["resourceVersion"] = _resourceVersion, ["resources"] = resources };
            _dirty = false;
        }

        var temp = path + ".tmp";
        using (var stream = File.Create(temp))
        using (var writer = new Utf8JsonWriter(stream))
        {
            snapshot.WriteTo(writer);
        }

        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Every stored object of every resource (copies), for components that rebuild state at start.</summary>
    public IReadOnlyList<(string Resource, JsonObject Object)> All(string resource)
    {
        lock (_gate)
        {
            return _objects.TryGetValue(resource, out var bucket)
                ? bucket.Values.Select(o => (resource, o.DeepClone().AsObject())).ToList()
                : [];
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _saveLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        Save();
        lock (_gate)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryComplete();
            }

            _watchers.Clear();
        }

        _stop.Dispose();
    }

    private void LoadSnapshot(string path)
    {
        var snapshot = JsonNode.Parse(File.ReadAllText(path))?.AsObject()
            ?? throw new InvalidDataException($"{path}: empty snapshot");
        _resourceVersion = snapshot["resourceVersion"]?.GetValue<long>() ?? 0;
        if (snapshot["resources"] is JsonObject resources)
        {
            foreach (var (resource, items) in resources)
            {
                foreach (var item in items?.AsArray() ?? [])
                {
                    var obj = item!.DeepClone().AsObject();
                    Bucket(resource)[Key(ObjectMetadata.Namespace(obj), ObjectMetadata.Name(obj))] = obj;
                }
            }
        }
    }

    private async Task SaveLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.SaveInterval);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            Save();
        }
    }
}
