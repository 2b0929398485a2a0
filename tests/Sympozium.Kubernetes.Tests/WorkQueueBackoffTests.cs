using Microsoft.Extensions.Time.Testing;
using Sympozium.Kubernetes.Tests.Support;
using Sympozium.Kubernetes.WorkQueue;

namespace Sympozium.Kubernetes.Tests;

public sealed class WorkQueueBackoffTests
{
    // The bucket is off so only the per-key backoff shows.
    private static readonly WorkQueueOptions BackoffOnly = WorkQueueOptions.Default with { RetriesPerSecond = double.PositiveInfinity };

    [Fact]
    public void The_defaults_are_client_go_s_controller_rate_limiter()
    {
        var options = WorkQueueOptions.Default;

        Assert.Equal(TimeSpan.FromMilliseconds(5), options.BaseDelay);
        Assert.Equal(TimeSpan.FromSeconds(1000), options.MaxDelay);
        Assert.Equal(10, options.RetriesPerSecond);
        Assert.Equal(100, options.RetryBurst);
    }

    [Fact]
    public void Each_retry_of_a_key_doubles_its_delay_from_the_base()
    {
        using var queue = new RateLimitedWorkQueue<string>(BackoffOnly, new FakeTimeProvider());

        var delays = Enumerable.Range(0, 5).Select(_ => queue.AddRateLimited("a").TotalMilliseconds).ToArray();

        Assert.Equal([5, 10, 20, 40, 80], delays);
        Assert.Equal(5, queue.NumRequeues("a"));
        Assert.Equal(5, queue.Metrics.Retries);
    }

    [Fact]
    public void The_delay_stops_growing_at_the_cap()
    {
        var options = BackoffOnly with { BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(10) };
        using var queue = new RateLimitedWorkQueue<string>(options, new FakeTimeProvider());

        var delays = Enumerable.Range(0, 7).Select(_ => queue.AddRateLimited("a").TotalSeconds).ToArray();

        Assert.Equal([1, 2, 4, 8, 10, 10, 10], delays);
    }

    [Fact]
    public void A_key_failing_for_a_very_long_time_waits_the_cap_and_never_overflows()
    {
        using var queue = new RateLimitedWorkQueue<string>(BackoffOnly, new FakeTimeProvider());

        var last = TimeSpan.Zero;
        for (var i = 0; i < 200; i++)
        {
            last = queue.AddRateLimited("a");
        }

        Assert.Equal(TimeSpan.FromSeconds(1000), last);
    }

    [Fact]
    public void Forget_resets_the_delay_to_the_base()
    {
        using var queue = new RateLimitedWorkQueue<string>(BackoffOnly, new FakeTimeProvider());
        queue.AddRateLimited("a");
        queue.AddRateLimited("a");
        queue.AddRateLimited("a");

        queue.Forget("a");

        Assert.Equal(0, queue.NumRequeues("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(5), queue.AddRateLimited("a"));
    }

    [Fact]
    public void Backoff_is_counted_per_key()
    {
        using var queue = new RateLimitedWorkQueue<string>(BackoffOnly, new FakeTimeProvider());
        queue.AddRateLimited("a");
        queue.AddRateLimited("a");

        Assert.Equal(TimeSpan.FromMilliseconds(5), queue.AddRateLimited("b"));
        Assert.Equal(2, queue.NumRequeues("a"));
        Assert.Equal(1, queue.NumRequeues("b"));
    }

    [Fact]
    public void A_rate_limited_key_is_handed_out_only_once_its_delay_has_passed()
    {
        var time = new FakeTimeProvider();
        using var queue = new RateLimitedWorkQueue<string>(BackoffOnly, time);
        queue.AddRateLimited("a");
        queue.AddRateLimited("a"); // 5 ms then 10 ms: the earlier wins.

        Assert.Equal(0, queue.Metrics.Depth);
        Assert.Equal(1, queue.Metrics.Delayed);

        time.Advance(TimeSpan.FromMilliseconds(4));
        Assert.Equal(0, queue.Metrics.Depth);

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(new WorkQueueMetrics(Depth: 1, Processing: 0, Delayed: 0, Adds: 1, Retries: 2), queue.Metrics);
        Assert.Equal("a", queue.TakeReady());
    }

    [Fact]
    public void Options_that_cannot_work_are_rejected_with_the_field_named()
    {
        var error = Assert.Throws<ArgumentException>(() => new RateLimitedWorkQueue<string>(
            WorkQueueOptions.Default with { MaxDelay = TimeSpan.FromMilliseconds(1) }));
        Assert.Contains("MaxDelay", error.Message, StringComparison.Ordinal);

        Assert.Throws<ArgumentException>(() => new RateLimitedWorkQueue<string>(WorkQueueOptions.Default with { RetriesPerSecond = 0 }));
        Assert.Throws<ArgumentException>(() => new RateLimitedWorkQueue<string>(WorkQueueOptions.Default with { RetryBurst = 0 }));
        Assert.Throws<ArgumentException>(() => new RateLimitedWorkQueue<string>(WorkQueueOptions.Default with { BaseDelay = TimeSpan.FromSeconds(-1) }));
    }
}
