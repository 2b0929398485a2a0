using System.Collections.Concurrent;
using Sympozium.Kubernetes.Client;

namespace Sympozium.Kubernetes.Cache;

/// <summary>How a <see cref="CachedReader{T}"/> looks into objects of its kind.</summary>
/// <param name="ResourceVersion">The object's metadata.resourceVersion.</param>
/// <param name="Labels">The object's labels (null when none).</param>
/// <param name="Copy">
/// A deep copy, for kinds whose readers change what they read (status writes); null hands out the
/// cached object itself, for kinds that are only read.
/// </param>
public sealed record CachedKind<T>(Func<T, string?> ResourceVersion, Func<T, IReadOnlyDictionary<string, string>?> Labels, Func<T, T>? Copy = null);

/// <summary>
/// Reads one kind from an informer's cache, the way controller-runtime's default client does, with
/// two additions:
/// <list type="bullet">
/// <item>an index by one label (e.g. the instance label of runs), so "the runs of this instance" is
/// a lookup instead of a scan of every run;</item>
/// <item>read-your-writes: after <see cref="Wrote"/>, a Get whose cached copy is not the version this
/// process wrote (or saw last) reads live once, so a reconcile requeued right after its own write does
/// not act on the state before it. The entry is forgotten once the cache has caught up.</item>
/// </list>
/// Lists are served from the cache as they are: every decision taken on a list either tolerates a
/// stale view or is confirmed live by the caller (docs/design/controller.md).
/// </summary>
public sealed class CachedReader<T> : IObjectReader<T>
    where T : class
{
    /// <summary>How long a written version is remembered when the cache never shows it (e.g. the object was replaced or deleted).</summary>
    private static readonly TimeSpan RememberWrites = TimeSpan.FromSeconds(30);

    private readonly Informer<T> _informer;
    private readonly ResourceClient<T> _live;
    private readonly Func<T, ObjectKey> _keyOf;
    private readonly CachedKind<T> _kind;
    private readonly TimeProvider _time;
    private readonly string? _indexLabel;
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<ObjectKey, byte>> _index = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<ObjectKey, (string Version, DateTimeOffset At)> _newest = new();
    private long _liveReads;

    /// <param name="indexLabel">A label key whose values are indexed (null: none); lists that match it go through the index.</param>
    /// <remarks>Construct before the informer runs: the index follows the informer's events.</remarks>
    public CachedReader(Informer<T> informer, ResourceClient<T> live, Func<T, ObjectKey> keyOf, CachedKind<T> kind, string? indexLabel = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(informer);
        _informer = informer;
        _live = live;
        _keyOf = keyOf;
        _kind = kind;
        _time = time ?? TimeProvider.System;
        _indexLabel = indexLabel;
        informer.OnChange(Observe);
    }

    /// <summary>Gets that went to the API server because the cache had not caught up with this process's writes.</summary>
    public long LiveReads => Interlocked.Read(ref _liveReads);

    public async ValueTask<T?> GetAsync(string? ns, string name, CancellationToken cancellationToken = default)
    {
        var key = new ObjectKey(ns, name);
        var cached = _informer.Get(key);
        if (_newest.TryGetValue(key, out var newest))
        {
            if ((cached is not null && _kind.ResourceVersion(cached) == newest.Version) || _time.GetUtcNow() - newest.At > RememberWrites)
            {
                _newest.TryRemove(key, out _);
            }
            else
            {
                Interlocked.Increment(ref _liveReads);
                var live = await _live.GetAsync(ns, name, cancellationToken).ConfigureAwait(false);
                if (live is null)
                {
                    _newest.TryRemove(key, out _);
                }
                else
                {
                    _newest[key] = (_kind.ResourceVersion(live) ?? "", _time.GetUtcNow());
                }

                return live;
            }
        }

        return cached is null ? null : Copy(cached);
    }

    public ValueTask<IReadOnlyList<T>> ListAsync(string? ns, IReadOnlyDictionary<string, string>? labels = null, CancellationToken cancellationToken = default)
    {
        IEnumerable<T> candidates;
        if (_indexLabel is not null && labels is not null && labels.TryGetValue(_indexLabel, out var value))
        {
            candidates = _index.TryGetValue(value, out var keys)
                ? keys.Keys.Where(k => ns is null || k.Namespace == ns).Select(_informer.Get).OfType<T>()
                : [];
        }
        else
        {
            candidates = _informer.List().Where(o => ns is null || _keyOf(o).Namespace == ns);
        }

        var result = new List<T>();
        foreach (var candidate in candidates)
        {
            if (Matches(_kind.Labels(candidate), labels))
            {
                result.Add(Copy(candidate));
            }
        }

        return ValueTask.FromResult<IReadOnlyList<T>>(result);
    }

    /// <summary>Keys of the cached objects of <paramref name="ns"/> (all when null) whose indexed label is <paramref name="value"/>.</summary>
    /// <exception cref="InvalidOperationException"><paramref name="label"/> is not the indexed label.</exception>
    public IReadOnlyList<ObjectKey> Keys(string? ns, string label, string value)
    {
        if (label != _indexLabel)
        {
            throw new InvalidOperationException($"label {label} is not indexed (the index is on {_indexLabel ?? "no label"})");
        }

        return _index.TryGetValue(value, out var keys) ? [.. keys.Keys.Where(k => ns is null || k.Namespace == ns)] : [];
    }

    public void Wrote(T written)
    {
        ArgumentNullException.ThrowIfNull(written);
        if (_kind.ResourceVersion(written) is { Length: > 0 } version)
        {
            _newest[_keyOf(written)] = (version, _time.GetUtcNow());
        }
    }

    private T Copy(T cached) => _kind.Copy is { } copy ? copy(cached) : cached;

    private static bool Matches(IReadOnlyDictionary<string, string>? actual, IReadOnlyDictionary<string, string>? wanted)
    {
        if (wanted is null)
        {
            return true;
        }

        foreach (var (key, value) in wanted)
        {
            if (actual is null || !actual.TryGetValue(key, out var v) || v != value)
            {
                return false;
            }
        }

        return true;
    }

    private void Observe(InformerEvent<T> e)
    {
        if (e.Type == InformerEventType.Deleted)
        {
            _newest.TryRemove(e.Key, out _);
        }

        if (_indexLabel is null || e.Type == InformerEventType.Resync)
        {
            return;
        }

        if (e.Old is { } old && IndexValue(old) is { } before && (e.Type == InformerEventType.Deleted || IndexValue(e.Object) != before)
            && _index.TryGetValue(before, out var previous))
        {
            previous.TryRemove(e.Key, out _);
        }

        if (e.Type == InformerEventType.Deleted)
        {
            if (IndexValue(e.Object) is { } gone && _index.TryGetValue(gone, out var keys))
            {
                keys.TryRemove(e.Key, out _);
            }

            return;
        }

        if (IndexValue(e.Object) is { } value)
        {
            _index.GetOrAdd(value, _ => new ConcurrentDictionary<ObjectKey, byte>())[e.Key] = 0;
        }
    }

    private string? IndexValue(T obj) => _kind.Labels(obj)?.GetValueOrDefault(_indexLabel!);
}
