using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Sympozium.Kubernetes.Client;
using Sympozium.Kubernetes.Internal;

namespace Sympozium.Kubernetes.Cache;

/// <summary>What changed in an informer's cache.</summary>
public enum InformerEventType
{
    Added,
    Modified,
    Deleted,

    /// <summary>Periodic replay of every cached object, so level-based reconcilers re-check them.</summary>
    Resync,
}

/// <summary>One change of an informer's cache.</summary>
/// <param name="Old">
/// The cached object this change replaced (Modified, and Deleted after a relist; null for Added and
/// Resync), so a handler can enqueue only what the change affects.
/// </param>
public readonly record struct InformerEvent<T>(InformerEventType Type, ObjectKey Key, T Object, T? Old = default);

/// <summary>Settings of an <see cref="Informer{T}"/>.</summary>
public sealed record InformerOptions
{
    /// <summary>Namespace to watch; null watches all namespaces (default).</summary>
    public string? Namespace { get; init; }

    public string? LabelSelector { get; init; }

    /// <summary>Replay of the whole cache (default 10 min; <see cref="Timeout.InfiniteTimeSpan"/> disables it).</summary>
    public TimeSpan Resync { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Server-side watch timeout; the informer then re-watches from its last version (default 5 min).</summary>
    public int WatchTimeoutSeconds { get; init; } = 300;

    /// <summary>Wait before retrying after an API error (doubles up to 30 s).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public static InformerOptions Default { get; } = new();
}

/// <summary>
/// List-then-watch cache of one kind, as client-go's informer: lists, then watches from the
/// list's resourceVersion with bookmarks; when the version has expired (410) it relists and emits
/// the differences (including deletions it missed), so no change is lost; API errors are retried
/// with backoff. Handlers run on the informer's loop, in order: keep them fast (enqueue a key).
/// </summary>
/// <param name="transform">
/// Applied to every object before it is cached, as client-go's TransformFunc: drops what no reader
/// needs (managedFields, pod specs) so the cache holds less.
/// </param>
public sealed class Informer<T>(ResourceClient<T> client, Func<T, ObjectKey> keyOf, Func<T, string?> resourceVersionOf, ILogger logger, InformerOptions? options = null, TimeProvider? time = null, Func<T, T>? transform = null)
    where T : class
{
    private readonly InformerOptions _options = options ?? InformerOptions.Default;
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<ObjectKey, T> _cache = new();
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Action<InformerEvent<T>>> _handlers = [];
    private bool _needsList = true;

    /// <summary>The resourceVersion the informer has seen up to.</summary>
    public string LastResourceVersion { get; private set; } = "";

    /// <summary>True once the first list has filled the cache.</summary>
    public bool HasSynced => _synced.Task.IsCompleted;

    /// <summary>Number of relists after an expired version (for tests and metrics).</summary>
    public int Relists { get; private set; }

    /// <summary>Adds a handler; call before <see cref="RunAsync"/>.</summary>
    public void OnChange(Action<InformerEvent<T>> handler) => _handlers.Add(handler);

    public Task WaitForSyncAsync(CancellationToken cancellationToken) => _synced.Task.WaitAsync(cancellationToken);

    public T? Get(ObjectKey key) => _cache.TryGetValue(key, out var value) ? value : null;

    public IReadOnlyList<T> List() => [.. _cache.Values];

    /// <summary>Runs until cancelled. Run again after a cancellation, it resumes watching from <see cref="LastResourceVersion"/>.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var delay = _options.RetryDelay;
        var nextResync = _time.GetUtcNow() + _options.Resync;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (_needsList)
                {
                    await ListAsync(cancellationToken).ConfigureAwait(false);
                    _needsList = false;
                }

                await foreach (var change in client.WatchAsync(_options.Namespace, LastResourceVersion, _options.LabelSelector, _options.WatchTimeoutSeconds, cancellationToken).ConfigureAwait(false))
                {
                    Apply(change);
                    delay = _options.RetryDelay;
                    if (_options.Resync != Timeout.InfiniteTimeSpan && _time.GetUtcNow() >= nextResync)
                    {
                        nextResync = _time.GetUtcNow() + _options.Resync;
                        Resync();
                    }
                }
            }
            catch (ResourceVersionExpiredException e)
            {
                Log.InformerRelist(logger, client.Resource.Plural, LastResourceVersion, e.Message);
                Relists++;
                _needsList = true;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is KubernetesApiException or HttpRequestException or IOException or System.Text.Json.JsonException)
            {
                Log.InformerRetry(logger, client.Resource.Plural, delay, e);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }

    private async Task ListAsync(CancellationToken cancellationToken)
    {
        var list = await client.ListAsync(_options.Namespace, _options.LabelSelector, null, cancellationToken).ConfigureAwait(false);
        var seen = new HashSet<ObjectKey>();
        foreach (var listed in list.Items)
        {
            var item = transform is null ? listed : transform(listed);
            var key = keyOf(item);
            seen.Add(key);
            if (!_cache.TryGetValue(key, out var old))
            {
                _cache[key] = item;
                Emit(InformerEventType.Added, key, item);
            }
            else if (resourceVersionOf(old) != resourceVersionOf(item))
            {
                _cache[key] = item;
                Emit(InformerEventType.Modified, key, item, old);
            }
        }

        // Objects deleted while we were not watching.
        foreach (var (key, old) in _cache.Where(e => !seen.Contains(e.Key)).ToList())
        {
            _cache.TryRemove(key, out _);
            Emit(InformerEventType.Deleted, key, old);
        }

        LastResourceVersion = list.ResourceVersion;
        _synced.TrySetResult();
    }

    private void Apply(ResourceEvent<T> change)
    {
        if (change.ResourceVersion is { Length: > 0 } version)
        {
            LastResourceVersion = version;
        }

        if (change.Object is not { } received)
        {
            return; // BOOKMARK: only the version moves.
        }

        var item = transform is null ? received : transform(received);
        var key = keyOf(item);
        switch (change.Type)
        {
            case "ADDED":
            case "MODIFIED":
                var existed = _cache.TryGetValue(key, out var old);
                _cache[key] = item;
                Emit(existed ? InformerEventType.Modified : InformerEventType.Added, key, item, old);
                break;
            case "DELETED":
                _cache.TryRemove(key, out var removed);
                Emit(InformerEventType.Deleted, key, item, removed);
                break;
        }
    }

    private void Resync()
    {
        foreach (var (key, item) in _cache)
        {
            Emit(InformerEventType.Resync, key, item);
        }
    }

    private void Emit(InformerEventType type, ObjectKey key, T item, T? old = null)
    {
        foreach (var handler in _handlers)
        {
            handler(new InformerEvent<T>(type, key, item, old));
        }
    }
}
