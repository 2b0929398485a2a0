namespace Sympozium.Kubernetes.WorkQueue;

/// <summary>
/// An overall token bucket: <c>rate</c> tokens per second, at most <c>burst</c> saved. Each
/// reservation takes a token now and says how long to wait for it; tokens may go negative, so
/// reservations queue up behind each other (golang.org/x/time/rate's Reserve, as client-go's
/// BucketRateLimiter uses it). Not thread-safe: the queue calls it under its lock.
/// </summary>
internal sealed class TokenBucket
{
    private readonly TimeProvider _time;
    private readonly double _rate;
    private readonly int _burst;
    private double _tokens;
    private long _last;

    public TokenBucket(double ratePerSecond, int burst, TimeProvider time)
    {
        _time = time;
        _rate = ratePerSecond;
        _burst = burst;
        _tokens = burst;
        _last = time.GetTimestamp();
    }

    public TimeSpan Reserve()
    {
        if (double.IsPositiveInfinity(_rate))
        {
            return TimeSpan.Zero;
        }

        var now = _time.GetTimestamp();
        _tokens = Math.Min(_burst, _tokens + (_time.GetElapsedTime(_last, now).TotalSeconds * _rate));
        _last = now;
        _tokens -= 1;
        return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / _rate);
    }
}
