using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Sympozium.LocalCluster.Storage;

/// <summary>
/// The one store of the local cluster: JSON objects keyed by resource ("configmaps",
/// "agentruns.sympozium.ai"), namespace and name, with Kubernetes object semantics — uid,
/// creationTimestamp, resourceVersion from one monotonic counter, generation bumped on spec
/// change only, optimistic concurrency, finalizers and deletionTimestamp — and a watch window of
/// the last <see cref="StoreOptions.WatchWindow"/> events. In-process components (the kubelet,
/// controllers) use it directly; the HTTP layer adds schema handling on top.
/// Objects handed out are copies; objects in events are shared and must not be changed.
/// </summary>
public sealed partial class ObjectStore : IAsyncDisposable
{
    private const string NamespacesResource = "namespaces";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, SortedDictionary<string, JsonObject>> _objects = new(StringComparer.Ordinal);
    private readonly Queue<WatchEvent> _window = new();
    private readonly List<Watcher> _watchers = [];
    private readonly StoreOptions _options;
    private readonly TimeProvider _time;
    private long _resourceVersion;
    private long _windowStart;
    private bool _dirty;

    public ObjectStore(StoreOptions? options = null, TimeProvider? time = null)
    {
        _options = options ?? StoreOptions.Default;
        _time = time ?? TimeProvider.System;
        if (_options.SnapshotPath is { } path && File.Exists(path))
        {
            LoadSnapshot(path);
        }

        _windowStart = _resourceVersion;
        _saveLoop = _options.SnapshotPath is null ? Task.CompletedTask : SaveLoopAsync(_stop.Token);
    }

    /// <summary>Raised synchronously after each committed change, outside the store's lock.</summary>
    public event Action<WatchEvent>? Committed;

    /// <summary>The resourceVersion of the latest change.</summary>
    public long ResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _resourceVersion;
            }
        }
    }

    public JsonObject? TryGet(string resource, string? ns, string name)
    {
        lock (_gate)
        {
            return Find(resource, ns, name)?.DeepClone().AsObject();
        }
    }

    public JsonObject Get(string resource, string? ns, string name) =>
        TryGet(resource, ns, name) ?? throw NotFound(resource, name);

    /// <summary>Creates an object; metadata.namespace must already be the request's namespace (or absent).</summary>
    public JsonObject Create(string resource, JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        WatchEvent committed;
        lock (_gate)
        {
            var meta = ObjectMetadata.Meta(obj);
            var ns = ObjectMetadata.Namespace(obj);
            var name = ObjectMetadata.Name(obj);
            if (name.Length == 0)
            {
                var prefix = ObjectMetadata.String(obj, "generateName");
                if (string.IsNullOrEmpty(prefix))
                {
                    throw new StoreException(StoreErrorKind.Invalid, resource, "", "name or generateName is required", "metadata.name");
                }

                do
                {
                    name = prefix + RandomSuffix();
                }
                while (Find(resource, ns, name) is not null);

                meta["name"] = name;
            }

            if (ns is not null && resource != NamespacesResource && Find(NamespacesResource, null, ns) is null)
            {
                throw new StoreException(StoreErrorKind.NotFound, NamespacesResource, ns, $"namespaces \"{ns}\" not found");
            }

            if (ns is not null && resource != NamespacesResource
                && Find(NamespacesResource, null, ns)?["metadata"]?["deletionTimestamp"] is not null)
            {
                throw new StoreException(StoreErrorKind.Conflict, resource, name,
                    $"{resource} \"{name}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated");
            }

            if (Find(resource, ns, name) is not null)
            {
                throw new StoreException(StoreErrorKind.AlreadyExists, resource, name, $"{resource} \"{name}\" already exists");
            }

            meta["uid"] = Guid.NewGuid().ToString();
            meta["creationTimestamp"] = Now();
            meta["generation"] = 1L;
            meta.Remove("deletionTimestamp");
            meta.Remove("deletionGracePeriodSeconds");
            meta.Remove("managedFields");
            meta["resourceVersion"] = Next();
            Bucket(resource)[Key(ns, name)] = obj;
            committed = Record(WatchEventTypes.Added, resource, obj, null);
        }

        Committed?.Invoke(committed);
        return obj.DeepClone().AsObject();
    }

    /// <summary>
    /// Replaces an object. A resourceVersion in <paramref name="obj"/> must match the stored one
    /// (409 otherwise); none means an unconditional update. <paramref name="mode"/> decides which
    /// parts come from <paramref name="obj"/>: everything, everything but status (a resource with
    /// a status subresource), or only status (the status subresource). A change that alters
    /// nothing is a no-op that keeps the resourceVersion, as in Kubernetes.
    /// </summary>
    public JsonObject Update(string resource, JsonObject obj, UpdateMode mode = UpdateMode.All)
    {
        ArgumentNullException.ThrowIfNull(obj);
        WatchEvent committed;
        JsonObject result;
        lock (_gate)
        {
            var ns = ObjectMetadata.Namespace(obj);
            var name = ObjectMetadata.Name(obj);
            var existing = Find(resource, ns, name) ?? throw NotFound(resource, name);
            var wanted = ObjectMetadata.ResourceVersion(obj);
            if (wanted != 0 && wanted != ObjectMetadata.ResourceVersion(existing))
            {
                throw new StoreException(StoreErrorKind.Conflict, resource, name,
                    "the object has been modified; please apply your changes to the latest version and try again");
            }

            if (ObjectMetadata.String(obj, "uid") is { Length: > 0 } uid && uid != ObjectMetadata.String(existing, "uid"))
            {
                throw new StoreException(StoreErrorKind.Conflict, resource, name,
                    $"Precondition failed: UID in precondition: {uid}, UID in object meta: {ObjectMetadata.String(existing, "uid")}");
            }

            var next = Merge(existing, obj, mode);
            if (JsonNode.DeepEquals(WithoutVolatile(next), WithoutVolatile(existing)))
            {
                return existing.DeepClone().AsObject();
            }

            var nextMeta = ObjectMetadata.Meta(next);
            if (!JsonNode.DeepEquals(SpecOf(next), SpecOf(existing)))
            {
                nextMeta["generation"] = (existing["metadata"]?["generation"]?.GetValue<long>() ?? 1) + 1;
            }

            nextMeta["resourceVersion"] = Next();
            // Removed when this update takes the last finalizer away. A gracefully deleted pod
            // (deletionTimestamp, no finalizers) stays until the kubelet deletes it again.
            if (nextMeta["deletionTimestamp"] is not null && ObjectMetadata.Finalizers(next).Count == 0
                && ObjectMetadata.Finalizers(existing).Count > 0)
            {
                Bucket(resource).Remove(Key(ns, name));
                committed = Record(WatchEventTypes.Deleted, resource, next, existing);
            }
            else
            {
                Bucket(resource)[Key(ns, name)] = next;
                committed = Record(WatchEventTypes.Modified, resource, next, existing);
            }

            result = next.DeepClone().AsObject();
        }

        Committed?.Invoke(committed);
        return result;
    }

    /// <summary>
    /// Deletes an object. With finalizers it is only marked (deletionTimestamp set) and removed
    /// when an update takes the last finalizer away. Returns the object and whether it is gone.
    /// <para>
    /// Graceful deletion (pods): with <paramref name="gracePeriodSeconds"/> &gt; 0 an object not
    /// yet marked is only marked — deletionTimestamp = now + grace, deletionGracePeriodSeconds =
    /// grace — and stays (status updates included) until deleted again. The kubelet finishes a
    /// pod's deletion that way: it watches pods, sees the deletionTimestamp, sends SIGTERM, waits
    /// at most deletionGracePeriodSeconds, SIGKILLs, and once every process is dead calls
    /// <c>Delete("pods", ns, name)</c> (grace 0), which removes the pod (or leaves it marked while
    /// finalizers remain). The controller manager force-deletes a marked pod 10 s after its
    /// deletionTimestamp if nobody did (no kubelet, or a node that is gone).
    /// </para>
    /// </summary>
    public (JsonObject Object, bool Removed) Delete(string resource, string? ns, string name, DeletePreconditions? preconditions = null, long gracePeriodSeconds = 0)
    {
        WatchEvent? committed = null;
        JsonObject result;
        var removed = false;
        lock (_gate)
        {
            var existing = Find(resource, ns, name) ?? throw NotFound(resource, name);
            if (preconditions?.Uid is { Length: > 0 } uid && uid != ObjectMetadata.String(existing, "uid"))
            {
                throw new StoreException(StoreErrorKind.Conflict, resource, name,
                    $"Precondition failed: UID in precondition: {uid}, UID in object meta: {ObjectMetadata.String(existing, "uid")}");
            }

            if (preconditions?.ResourceVersion is { Length: > 0 } rv && rv != ObjectMetadata.String(existing, "resourceVersion"))
            {
                throw new StoreException(StoreErrorKind.Conflict, resource, name,
                    $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {ObjectMetadata.String(existing, "resourceVersion")}");
            }

            if (gracePeriodSeconds > 0 && existing["metadata"]?["deletionTimestamp"] is null)
            {
                var marked = existing.DeepClone().AsObject();
                var meta = ObjectMetadata.Meta(marked);
                meta["deletionTimestamp"] = Now(TimeSpan.FromSeconds(gracePeriodSeconds));
                meta["deletionGracePeriodSeconds"] = gracePeriodSeconds;
                meta["resourceVersion"] = Next();
                Bucket(resource)[Key(ns, name)] = marked;
                committed = Record(WatchEventTypes.Modified, resource, marked, existing);
                existing = marked;
            }
            else if (ObjectMetadata.Finalizers(existing).Count > 0)
            {
                if (existing["metadata"]?["deletionTimestamp"] is null)
                {
                    var marked = existing.DeepClone().AsObject();
                    var meta = ObjectMetadata.Meta(marked);
                    meta["deletionTimestamp"] = Now();
                    meta["deletionGracePeriodSeconds"] = 0;
                    meta["resourceVersion"] = Next();
                    Bucket(resource)[Key(ns, name)] = marked;
                    committed = Record(WatchEventTypes.Modified, resource, marked, existing);
                    existing = marked;
                }
            }
            else
            {
                var gone = existing.DeepClone().AsObject();
                ObjectMetadata.Meta(gone)["resourceVersion"] = Next();
                Bucket(resource).Remove(Key(ns, name));
                committed = Record(WatchEventTypes.Deleted, resource, gone, existing);
                existing = gone;
                removed = true;
            }

            result = existing.DeepClone().AsObject();
        }

        if (committed is not null)
        {
            Committed?.Invoke(committed);
        }

        return (result, removed);
    }

    /// <summary>Lists objects in key order (namespace, name), one page at a time.</summary>
    public ListResult List(string resource, ListOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        lock (_gate)
        {
            var start = options.Continue is { Length: > 0 } token ? ContinueToken.Decode(token) : null;
            var items = new List<JsonObject>();
            string? lastKey = null;
            long remaining = 0;
            if (_objects.TryGetValue(resource, out var bucket))
            {
                foreach (var (key, obj) in bucket)
                {
                    if (start is not null && string.CompareOrdinal(key, start) <= 0)
                    {
                        continue;
                    }

                    if (!Selects(options, obj))
                    {
                        continue;
                    }

                    if (options.Limit > 0 && items.Count == options.Limit)
                    {
                        remaining++;
                        continue;
                    }

                    items.Add(obj.DeepClone().AsObject());
                    lastKey = key;
                }
            }

            var next = remaining > 0 && lastKey is not null ? ContinueToken.Encode(_resourceVersion, lastKey) : null;
            return new ListResult(items, _resourceVersion, next, remaining > 0 ? remaining : null);
        }
    }

    /// <summary>The resources that hold at least one object ("pods", "agentruns.sympozium.ai").</summary>
    public IReadOnlyList<string> Resources()
    {
        lock (_gate)
        {
            return _objects.Where(b => b.Value.Count > 0).Select(b => b.Key).ToList();
        }
    }

    /// <summary>All objects of a resource in a namespace (null: all), without copying: read only.</summary>
    internal IReadOnlyList<(string Resource, JsonObject Object)> SnapshotNamespace(string ns)
    {
        lock (_gate)
        {
            return _objects
                .SelectMany(b => b.Value.Values.Where(o => ObjectMetadata.Namespace(o) == ns).Select(o => (b.Key, o)))
                .ToList();
        }
    }

    private static bool Selects(ListOptions options, JsonObject obj) =>
        (options.Namespace is null || ObjectMetadata.Namespace(obj) == options.Namespace)
        && options.Labels.Matches(obj)
        && (options.Fields.IsEmpty || options.Fields.Matches(obj));

    private static JsonObject Merge(JsonObject existing, JsonObject incoming, UpdateMode mode)
    {
        JsonObject next;
        if (mode == UpdateMode.StatusOnly)
        {
            next = existing.DeepClone().AsObject();
            if (incoming["status"] is { } status)
            {
                next["status"] = status.DeepClone();
            }
            else
            {
                next.Remove("status");
            }

            return next;
        }

        next = incoming.DeepClone().AsObject();
        if (mode == UpdateMode.PreserveStatus)
        {
            if (existing["status"] is { } status)
            {
                next["status"] = status.DeepClone();
            }
            else
            {
                next.Remove("status");
            }
        }

        // System-owned metadata never comes from the client.
        var meta = ObjectMetadata.Meta(next);
        var old = existing["metadata"]!.AsObject();
        foreach (var field in new[] { "uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds", "namespace", "name" })
        {
            if (old[field] is { } value)
            {
                meta[field] = value.DeepClone();
            }
            else
            {
                meta.Remove(field);
            }
        }

        meta.Remove("managedFields");
        return next;
    }

    private static JsonObject WithoutVolatile(JsonObject obj)
    {
        var copy = obj.DeepClone().AsObject();
        var meta = ObjectMetadata.Meta(copy);
        meta.Remove("resourceVersion");
        meta.Remove("generation");
        return copy;
    }

    private static JsonObject SpecOf(JsonObject obj)
    {
        var copy = obj.DeepClone().AsObject();
        copy.Remove("metadata");
        copy.Remove("status");
        return copy;
    }

    private JsonObject? Find(string resource, string? ns, string name) =>
        _objects.TryGetValue(resource, out var bucket) && bucket.TryGetValue(Key(ns, name), out var obj) ? obj : null;

    private SortedDictionary<string, JsonObject> Bucket(string resource)
    {
        if (!_objects.TryGetValue(resource, out var bucket))
        {
            bucket = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
            _objects[resource] = bucket;
        }

        return bucket;
    }

    private static string Key(string? ns, string name) => $"{ns}/{name}";

    private string Next() => (++_resourceVersion).ToString(CultureInfo.InvariantCulture);

    private string Now(TimeSpan offset = default) => (_time.GetUtcNow().UtcDateTime + offset).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string RandomSuffix()
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        return string.Create(5, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = alphabet[Random.Shared.Next(alphabet.Length)];
            }
        });
    }

    private static StoreException NotFound(string resource, string name) =>
        new(StoreErrorKind.NotFound, resource, name, $"{resource} \"{name}\" not found");

    /// <summary>The continue token: base64 of {"rv":N,"start":"ns/name"}, like the real server's.</summary>
    private static class ContinueToken
    {
        public static string Encode(long rv, string lastKey) =>
            Convert.ToBase64String(Encoding.UTF8.GetBytes(new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = rv, ["start"] = lastKey }.ToJsonString()));

        public static string Decode(string token)
        {
            try
            {
                var json = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(token)));
                return json?["start"]?.GetValue<string>() ?? throw new FormatException("no start key");
            }
            catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
            {
                throw new StoreException(StoreErrorKind.BadRequest, "", "", $"continue key is not valid: {e.Message}");
            }
        }
    }
}

/// <summary>Which parts of an update come from the caller.</summary>
public enum UpdateMode
{
    /// <summary>The whole object (resources without a status subresource).</summary>
    All,

    /// <summary>Everything but status, which is kept (main endpoint of a resource with a status subresource).</summary>
    PreserveStatus,

    /// <summary>Only status (the status subresource); generation never changes.</summary>
    StatusOnly,
}

/// <summary>DeleteOptions.preconditions.</summary>
public sealed record DeletePreconditions(string? Uid, string? ResourceVersion);
