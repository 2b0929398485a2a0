using System.Diagnostics.CodeAnalysis;

namespace Sympozium.Kubernetes.WorkQueue;

/// <summary>
/// The queue between watch events and reconcilers, with client-go's workqueue guarantees:
/// <list type="bullet">
/// <item>Keys are deduplicated: adding a key that is already queued does nothing.</item>
/// <item>One worker per key at a time: a key added while a worker holds it is marked dirty and
/// handed out again only after that worker calls <see cref="Done"/>, exactly once however many
/// times it was added meanwhile.</item>
/// <item><see cref="AddAfter"/> delays a key (RequeueAfter); when a key is delayed twice the
/// earlier time wins.</item>
/// <item><see cref="AddRateLimited"/> delays a failed key by the larger of its exponential
/// backoff and the overall token bucket (<see cref="WorkQueueOptions"/>); <see cref="Forget"/>
/// resets the backoff once the key succeeds.</item>
/// <item><see cref="ShutDown"/> stops handing out keys and wakes every waiting worker; keys being
/// processed may finish and call <see cref="Done"/> (<see cref="ShutDownAndDrainAsync"/> waits
/// for them). Keys still queued are dropped: reconcilers are level-based and the next start
/// lists everything again.</item>
/// </list>
/// All time comes from the <see cref="TimeProvider"/>, so tests drive it with a fake clock.
/// Thread-safe.
/// </summary>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "client-go's name for the concept; readers of controller code look for it.")]
public sealed class RateLimitedWorkQueue<TKey> : IDisposable
    where TKey : notnull
{
    // Longest single timer period; a longer delay re-arms when the timer fires. Keeps every
    // TimeProvider (including System.Threading.Timer's ~49-day limit) in range.
    private static readonly TimeSpan MaxTimerPeriod = TimeSpan.FromDays(1);

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly ItemExponentialBackoff<TKey> _backoff;
    private readonly TokenBucket _bucket;
    private readonly Queue<TKey> _ready = new();
    private readonly HashSet<TKey> _dirty;
    private readonly HashSet<TKey> _processing;

    // Delayed keys: when each is due (TimeProvider timestamps), and the same entries ordered by
    // due time. A key delayed again to an earlier time leaves a stale entry in the order, which
    // is skipped when it no longer matches _delayed.
    private readonly Dictionary<TKey, long> _delayed;
    private readonly PriorityQueue<TKey, long> _delayedOrder = new();
    private readonly ITimer _timer;
    private long _timerDueAt = long.MaxValue;

    private TaskCompletionSource? _keyAvailable;
    private TaskCompletionSource? _drained;
    private bool _shuttingDown;
    private long _adds;
    private long _retries;

    /// <param name="options">Backoff and rate limit (default: <see cref="WorkQueueOptions.Default"/>).</param>
    /// <param name="timeProvider">The clock and timers (default: <see cref="TimeProvider.System"/>).</param>
    /// <param name="comparer">Key equality (default: the key type's own).</param>
    public RateLimitedWorkQueue(WorkQueueOptions? options = null, TimeProvider? timeProvider = null, IEqualityComparer<TKey>? comparer = null)
    {
        options ??= WorkQueueOptions.Default;
        options.Validate();
        Options = options;
        _time = timeProvider ?? TimeProvider.System;
        _backoff = new ItemExponentialBackoff<TKey>(options.BaseDelay, options.MaxDelay, comparer);
        _bucket = new TokenBucket(options.RetriesPerSecond, options.RetryBurst, _time);
        _dirty = new HashSet<TKey>(comparer);
        _processing = new HashSet<TKey>(comparer);
        _delayed = new Dictionary<TKey, long>(comparer);
        _timer = _time.CreateTimer(static state => ((RateLimitedWorkQueue<TKey>)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public WorkQueueOptions Options { get; }

    public bool IsShuttingDown
    {
        get
        {
            lock (_gate)
            {
                return _shuttingDown;
            }
        }
    }

    /// <summary>A consistent snapshot of depth, keys in progress, delayed keys, adds and retries.</summary>
    public WorkQueueMetrics Metrics
    {
        get
        {
            lock (_gate)
            {
                return new WorkQueueMetrics(_ready.Count, _processing.Count, _delayed.Count, _adds, _retries);
            }
        }
    }

    /// <summary>Queues a key now. Does nothing if it is already queued or the queue is shutting down.</summary>
    public void Add(TKey key)
    {
        lock (_gate)
        {
            AddLocked(key);
        }
    }

    /// <summary>
    /// Queues a key once <paramref name="delay"/> has passed (now if it is zero or negative). If the
    /// key is already delayed, the earlier of the two times wins.
    /// </summary>
    public void AddAfter(TKey key, TimeSpan delay)
    {
        lock (_gate)
        {
            AddAfterLocked(key, delay);
        }
    }

    /// <summary>
    /// Queues a failed key after its backoff: the larger of base · 2^(retries so far), capped, and
    /// the wait for a token of the overall bucket. Counts the retry.
    /// </summary>
    /// <returns>The delay applied.</returns>
    public TimeSpan AddRateLimited(TKey key)
    {
        lock (_gate)
        {
            if (_shuttingDown)
            {
                return TimeSpan.Zero;
            }

            var perKey = _backoff.Next(key);
            var overall = _bucket.Reserve();
            var delay = perKey > overall ? perKey : overall;
            _retries++;
            AddAfterLocked(key, delay);
            return delay;
        }
    }

    /// <summary>Resets a key's backoff: call it when the key was handled successfully.</summary>
    public void Forget(TKey key)
    {
        lock (_gate)
        {
            _backoff.Forget(key);
        }
    }

    /// <summary>How many rate-limited retries the key has had since it was last forgotten.</summary>
    public int NumRequeues(TKey key)
    {
        lock (_gate)
        {
            return _backoff.Failures(key);
        }
    }

    /// <summary>
    /// Waits for a key and hands it to the caller, who must call <see cref="Done"/> when finished.
    /// </summary>
    /// <returns>The key, or null once the queue is shutting down.</returns>
    public async ValueTask<WorkQueueItem<TKey>?> GetAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            Task keyAvailable;
            lock (_gate)
            {
                if (_shuttingDown)
                {
                    return null;
                }

                if (_ready.TryDequeue(out var key))
                {
                    _dirty.Remove(key);
                    _processing.Add(key);
                    return new WorkQueueItem<TKey>(key);
                }

                _keyAvailable ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                keyAvailable = _keyAvailable.Task;
            }

            await keyAvailable.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Marks the worker finished with a key. If the key was added while it was processed, it is
    /// queued again now.
    /// </summary>
    public void Done(TKey key)
    {
        lock (_gate)
        {
            if (!_processing.Remove(key))
            {
                return;
            }

            if (_shuttingDown)
            {
                if (_processing.Count == 0)
                {
                    _drained?.TrySetResult();
                }

                return;
            }

            if (_dirty.Contains(key))
            {
                _ready.Enqueue(key);
                SignalKeyAvailableLocked();
            }
        }
    }

    /// <summary>
    /// Stops the queue: no more keys are handed out or accepted, waiting workers are woken (their
    /// <see cref="GetAsync"/> returns null), queued and delayed keys are dropped. Keys being
    /// processed may still finish. Idempotent.
    /// </summary>
    public void ShutDown()
    {
        lock (_gate)
        {
            if (_shuttingDown)
            {
                return;
            }

            _shuttingDown = true;
            _ready.Clear();
            _dirty.Clear();
            _delayed.Clear();
            _delayedOrder.Clear();
            _timerDueAt = long.MaxValue;
            SignalKeyAvailableLocked();
        }

        _timer.Dispose();
    }

    /// <summary>Shuts the queue down and waits until every key being processed is <see cref="Done"/>.</summary>
    public Task ShutDownAndDrainAsync(CancellationToken cancellationToken = default)
    {
        ShutDown();
        lock (_gate)
        {
            if (_processing.Count == 0)
            {
                return Task.CompletedTask;
            }

            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _drained.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Same as <see cref="ShutDown"/>.</summary>
    public void Dispose() => ShutDown();

    private void AddLocked(TKey key)
    {
        if (_shuttingDown || !_dirty.Add(key))
        {
            return;
        }

        _adds++;

        // Held by a worker: Done queues it again, so two workers never hold one key.
        if (_processing.Contains(key))
        {
            return;
        }

        _ready.Enqueue(key);
        SignalKeyAvailableLocked();
    }

    private void AddAfterLocked(TKey key, TimeSpan delay)
    {
        if (_shuttingDown)
        {
            return;
        }

        if (delay <= TimeSpan.Zero)
        {
            AddLocked(key);
            return;
        }

        var now = _time.GetTimestamp();
        var dueAt = DueAt(now, delay);
        if (_delayed.TryGetValue(key, out var existing) && existing <= dueAt)
        {
            return;
        }

        _delayed[key] = dueAt;
        _delayedOrder.Enqueue(key, dueAt);
        ArmTimerLocked(now);
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            if (_shuttingDown)
            {
                return;
            }

            _timerDueAt = long.MaxValue;
            var now = _time.GetTimestamp();
            while (TryPeekDelayedLocked(out var key, out var dueAt) && dueAt <= now)
            {
                _delayedOrder.Dequeue();
                _delayed.Remove(key);
                AddLocked(key);
            }

            ArmTimerLocked(now);
        }
    }

    // Points the single timer at the earliest delayed key, only when that changes.
    private void ArmTimerLocked(long now)
    {
        if (!TryPeekDelayedLocked(out _, out var dueAt))
        {
            if (_timerDueAt != long.MaxValue)
            {
                _timerDueAt = long.MaxValue;
                _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }

            return;
        }

        if (dueAt == _timerDueAt)
        {
            return;
        }

        _timerDueAt = dueAt;
        var wait = _time.GetElapsedTime(now, dueAt);
        if (wait > MaxTimerPeriod)
        {
            wait = MaxTimerPeriod;
        }

        // Never zero: a timer due now may fire inside Change, on this thread, under this lock.
        if (wait < TimeSpan.FromTicks(1))
        {
            wait = TimeSpan.FromTicks(1);
        }

        _timer.Change(wait, Timeout.InfiniteTimeSpan);
    }

    private bool TryPeekDelayedLocked(out TKey key, out long dueAt)
    {
        while (_delayedOrder.TryPeek(out key!, out dueAt))
        {
            if (_delayed.TryGetValue(key, out var current) && current == dueAt)
            {
                return true;
            }

            _delayedOrder.Dequeue();
        }

        return false;
    }

    private long DueAt(long now, TimeSpan delay)
    {
        var ticks = delay.TotalSeconds * _time.TimestampFrequency;
        return ticks >= long.MaxValue - now ? long.MaxValue - 1 : now + (long)Math.Ceiling(ticks);
    }

    private void SignalKeyAvailableLocked()
    {
        // Wakes every waiting worker; each re-checks under the lock, so none misses a key.
        _keyAvailable?.TrySetResult();
        _keyAvailable = null;
    }
}
