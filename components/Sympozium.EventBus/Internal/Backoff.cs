namespace Sympozium.EventBus.Internal;

/// <summary>Exponential backoff with jitter for retry loops: 250 ms, 500 ms, 1 s … capped.</summary>
internal static class Backoff
{
    public static TimeSpan For(int attempt, TimeSpan max)
    {
        var exponent = Math.Min(Math.Max(attempt, 1) - 1, 10);
        var delay = TimeSpan.FromMilliseconds(250 * Math.Pow(2, exponent));
        if (delay > max)
        {
            delay = max;
        }

        // Up to 20 % jitter so restarted replicas do not retry in lockstep.
        return delay + TimeSpan.FromMilliseconds(delay.TotalMilliseconds * 0.2 * Random.Shared.NextDouble());
    }
}
