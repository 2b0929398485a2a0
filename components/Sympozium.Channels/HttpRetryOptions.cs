namespace Sympozium.Channels;

/// <summary>How <see cref="HttpRetryPolicy"/> retries a platform API call. Change with <c>with</c>.</summary>
public sealed record HttpRetryOptions
{
    public static HttpRetryOptions Default { get; } = new();

    /// <summary>
    /// Attempts in all, the first included (default: 3). Only short blips are waited out here; a
    /// longer outage is retried by the bus (OutboundDeliveryOptions.RetrySchedule).
    /// </summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>First backoff when the platform names no wait; doubles per attempt (default: 1 s).</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Longest wait between attempts (default: 60 s). A platform asking for a longer wait ends the
    /// retries; the bus redelivers the message later.
    /// </summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Timeout of one attempt (default: 30 s).</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
