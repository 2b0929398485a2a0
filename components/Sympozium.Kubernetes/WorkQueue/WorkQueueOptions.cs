namespace Sympozium.Kubernetes.WorkQueue;

/// <summary>
/// How a <see cref="RateLimitedWorkQueue{TKey}"/> delays retries: the larger of a per-key
/// exponential backoff and an overall token bucket, as client-go's default controller rate
/// limiter. Change with <c>with</c>.
/// </summary>
public sealed record WorkQueueOptions
{
    /// <summary>client-go's defaults: 5 ms · 2^n capped at 1000 s; 10 retries per second, burst 100.</summary>
    public static WorkQueueOptions Default { get; } = new();

    /// <summary>Delay of a key's first retry; each further retry doubles it (default: 5 ms).</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Cap of the per-key backoff (default: 1000 s).</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(1000);

    /// <summary>
    /// Retries per second over all keys, so a burst of failures cannot hammer the API server
    /// (default: 10). <see cref="double.PositiveInfinity"/> turns the bucket off.
    /// </summary>
    public double RetriesPerSecond { get; init; } = 10;

    /// <summary>Retries allowed at once before <see cref="RetriesPerSecond"/> applies (default: 100).</summary>
    public int RetryBurst { get; init; } = 100;

    internal void Validate()
    {
        if (BaseDelay < TimeSpan.Zero)
        {
            throw new ArgumentException($"WorkQueueOptions.BaseDelay {BaseDelay} is negative; use zero or more", nameof(BaseDelay));
        }

        if (MaxDelay < BaseDelay)
        {
            throw new ArgumentException($"WorkQueueOptions.MaxDelay {MaxDelay} is below BaseDelay {BaseDelay}; raise it", nameof(MaxDelay));
        }

        if (!(RetriesPerSecond > 0))
        {
            throw new ArgumentException($"WorkQueueOptions.RetriesPerSecond {RetriesPerSecond} must be above zero (PositiveInfinity turns the limit off)", nameof(RetriesPerSecond));
        }

        if (RetryBurst < 1)
        {
            throw new ArgumentException($"WorkQueueOptions.RetryBurst {RetryBurst} must be at least 1", nameof(RetryBurst));
        }
    }
}
