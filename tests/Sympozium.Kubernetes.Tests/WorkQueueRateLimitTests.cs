using Microsoft.Extensions.Time.Testing;
using Sympozium.Kubernetes.Tests.Support;
using Sympozium.Kubernetes.WorkQueue;

namespace Sympozium.Kubernetes.Tests;

/// <summary>The risk: a burst of failing objects retried all at once hammers the API server.</summary>
public sealed class WorkQueueRateLimitTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void After_the_burst_retries_of_different_keys_are_spaced_by_the_overall_rate()
    {
        var options = WorkQueueOptions.Default with { BaseDelay = TimeSpan.Zero, RetriesPerSecond = 1, RetryBurst = 2 };
        using var queue = new RateLimitedWorkQueue<string>(options, _time);

        var delays = new[] { "a", "b", "c", "d" }.Select(key => queue.AddRateLimited(key)).ToArray();

        Assert.Equal([TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], delays);
        Assert.Equal(["a", "b"], queue.DrainReady());

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["c"], queue.DrainReady());

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["d"], queue.DrainReady());
    }

    [Fact]
    public void The_bucket_refills_at_the_rate_up_to_the_burst()
    {
        var options = WorkQueueOptions.Default with { BaseDelay = TimeSpan.Zero, RetriesPerSecond = 2, RetryBurst = 3 };
        using var queue = new RateLimitedWorkQueue<string>(options, _time);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(TimeSpan.Zero, queue.AddRateLimited($"k{i}"));
        }

        // A long idle time refills to the burst, no further.
        _time.Advance(TimeSpan.FromMinutes(1));

        var delays = Enumerable.Range(0, 4).Select(i => queue.AddRateLimited($"later{i}")).ToArray();
        Assert.Equal([TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.FromSeconds(0.5)], delays);
    }

    [Fact]
    public void A_retry_waits_for_the_larger_of_its_backoff_and_the_bucket()
    {
        var options = WorkQueueOptions.Default with { BaseDelay = TimeSpan.FromMilliseconds(5), RetriesPerSecond = 1, RetryBurst = 1 };
        using var queue = new RateLimitedWorkQueue<string>(options, _time);

        Assert.Equal(TimeSpan.FromMilliseconds(5), queue.AddRateLimited("a")); // token free, backoff 5 ms
        Assert.Equal(TimeSpan.FromSeconds(1), queue.AddRateLimited("b"));      // bucket empty: 1 s
    }

    [Fact]
    public void Plain_adds_are_not_rate_limited()
    {
        var options = WorkQueueOptions.Default with { RetriesPerSecond = 1, RetryBurst = 1 };
        using var queue = new RateLimitedWorkQueue<string>(options, _time);

        for (var i = 0; i < 100; i++)
        {
            queue.Add($"k{i}");
        }

        Assert.Equal(100, queue.Metrics.Depth);
    }
}
