namespace Sympozium.Kubernetes.WorkQueue;

/// <summary>
/// Per-key failure count and delay: base · 2^failures, capped (client-go's
/// ItemExponentialFailureRateLimiter). Not thread-safe: the queue calls it under its lock.
/// </summary>
internal sealed class ItemExponentialBackoff<TKey>
    where TKey : notnull
{
    private readonly Dictionary<TKey, int> _failures;
    private readonly TimeSpan _baseDelay;
    private readonly TimeSpan _maxDelay;

    public ItemExponentialBackoff(TimeSpan baseDelay, TimeSpan maxDelay, IEqualityComparer<TKey>? comparer)
    {
        _baseDelay = baseDelay;
        _maxDelay = maxDelay;
        _failures = new Dictionary<TKey, int>(comparer);
    }

    /// <summary>The delay of this retry; counts it.</summary>
    public TimeSpan Next(TKey key)
    {
        var exponent = _failures.GetValueOrDefault(key);
        _failures[key] = exponent == int.MaxValue ? exponent : exponent + 1;

        // Doubles cannot overflow here; anything past the cap is the cap.
        var ticks = _baseDelay.Ticks * Math.Pow(2, exponent);
        return ticks >= _maxDelay.Ticks ? _maxDelay : TimeSpan.FromTicks((long)ticks);
    }

    public int Failures(TKey key) => _failures.GetValueOrDefault(key);

    public void Forget(TKey key) => _failures.Remove(key);
}
