using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Sympozium.LocalCluster.Storage;

public sealed partial class ObjectStore
{
    /// <summary>
    /// Starts a watch. <paramref name="fromResourceVersion"/> 0 means "now, after synthetic ADDED
    /// events for every matching object" (Kubernetes' answer to an empty or "0" resourceVersion);
    /// otherwise every retained event after that version is replayed first. A version older than
    /// the window throws <see cref="StoreErrorKind.Gone"/>. Selector watches turn a MODIFIED that
    /// moves an object out of (into) the selection into DELETED (ADDED).
    /// </summary>
    public WatchSubscription Watch(string resource, long fromResourceVersion, ListOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var channel = Channel.CreateUnbounded<WatchEvent>(new UnboundedChannelOptions { SingleReader = true });
        var initial = 0;
        lock (_gate)
        {
            if (fromResourceVersion == 0)
            {
                if (_objects.TryGetValue(resource, out var bucket))
                {
                    foreach (var obj in bucket.Values.Where(o => Selects(options, o)))
                    {
                        channel.Writer.TryWrite(new WatchEvent(WatchEventTypes.Added, resource, ObjectMetadata.ResourceVersion(obj), obj, null));
                        initial++;
                    }
                }
            }
            else
            {
                if (fromResourceVersion < _windowStart)
                {
                    throw new StoreException(StoreErrorKind.Gone, resource, "",
                        $"too old resource version: {fromResourceVersion} ({_windowStart + 1})");
                }

                foreach (var e in _window.Where(e => e.ResourceVersion > fromResourceVersion && e.Resource == resource))
                {
                    if (Translate(e, options) is { } visible)
                    {
                        channel.Writer.TryWrite(visible);
                    }
                }
            }

            var watcher = new Watcher(resource, options, channel.Writer);
            _watchers.Add(watcher);
            return new WatchSubscription(channel.Reader, initial, () => Unsubscribe(watcher));
        }
    }

    private void Unsubscribe(Watcher watcher)
    {
        lock (_gate)
        {
            _watchers.Remove(watcher);
        }

        watcher.Writer.TryComplete();
    }

    /// <summary>Appends to the window and fans out; called under the lock.</summary>
    private WatchEvent Record(string type, string resource, JsonObject obj, JsonObject? old)
    {
        var e = new WatchEvent(type, resource, ObjectMetadata.ResourceVersion(obj), obj, old);
        _window.Enqueue(e);
        while (_window.Count > _options.WatchWindow)
        {
            _windowStart = _window.Dequeue().ResourceVersion;
        }

        _dirty = true;
        foreach (var watcher in _watchers)
        {
            if (watcher.Resource == resource && Translate(e, watcher.Options) is { } visible)
            {
                watcher.Writer.TryWrite(visible);
            }
        }

        return e;
    }

    private static WatchEvent? Translate(WatchEvent e, ListOptions options)
    {
        var now = Selects(options, e.Object);
        var before = e.OldObject is not null && Selects(options, e.OldObject);
        return e.Type switch
        {
            WatchEventTypes.Modified when now && !before => e with { Type = WatchEventTypes.Added },
            WatchEventTypes.Modified when !now && before => e with { Type = WatchEventTypes.Deleted },
            WatchEventTypes.Deleted when before || now => e,
            _ when now => e,
            _ => null,
        };
    }

    private sealed record Watcher(string Resource, ListOptions Options, ChannelWriter<WatchEvent> Writer);
}

/// <summary>A running watch: read events from <see cref="Events"/>; dispose to stop.</summary>
public sealed class WatchSubscription : IDisposable
{
    private readonly Action _stop;

    internal WatchSubscription(ChannelReader<WatchEvent> events, int initialEvents, Action stop)
    {
        Events = events;
        InitialEvents = initialEvents;
        _stop = stop;
    }

    public ChannelReader<WatchEvent> Events { get; }

    /// <summary>How many synthetic ADDED events for existing objects come first (watch from version 0).</summary>
    public int InitialEvents { get; }

    public void Dispose() => _stop();
}
