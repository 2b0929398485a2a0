using Microsoft.Extensions.Time.Testing;
using Sympozium.Kubernetes.Tests.Support;
using Sympozium.Kubernetes.WorkQueue;

namespace Sympozium.Kubernetes.Tests;

/// <summary>AddAfter is what RequeueAfter and retries stand on.</summary>
public sealed class WorkQueueDelayTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void A_delayed_key_is_queued_once_its_delay_has_passed()
    {
        using var queue = new RateLimitedWorkQueue<string>(timeProvider: _time);

        queue.AddAfter("a", TimeSpan.FromSeconds(30));
        _time.Advance(TimeSpan.FromSeconds(29));

        Assert.Equal(new WorkQueueMetrics(Depth: 0, Processing: 0, Delayed: 1, Adds: 0, Retries: 0), queue.Metrics);

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(new WorkQueueMetrics(Depth: 1, Processing: 0, Delayed: 0, Adds: 1, Retries: 0), queue.Metrics);
    }

    [Fact]
    public void When_a_key_is_delayed_twice_the_earlier_time_wins_whichever_came_first()
    {
        using var queue = new RateLimitedWorkQueue<string>(timeProvider: _time);

        queue.AddAfter("later-then-sooner", TimeSpan.FromSeconds(10));
        queue.AddAfter("later-then-sooner", TimeSpan.FromSeconds(2));
        queue.AddAfter("sooner-then-later", TimeSpan.FromSeconds(2));
        queue.AddAfter("sooner-then-later", TimeSpan.FromSeconds(10));
        Assert.Equal(2, queue.Metrics.Delayed);

        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(["later-then-sooner", "sooner-then-later"], queue.DrainReady());

        // The later times were dropped, not kept as second wake-ups.
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(new WorkQueueMetrics(Depth: 0, Processing: 0, Delayed: 0, Adds: 2, Retries: 0), queue.Metrics);
    }

    [Fact]
    public void Delayed_keys_are_queued_in_the_order_they_fall_due()
    {
        using var queue = new RateLimitedWorkQueue<string>(timeProvider: _time);
        queue.AddAfter("c", TimeSpan.FromSeconds(3));
        queue.AddAfter("a", TimeSpan.FromSeconds(1));
        queue.AddAfter("b", TimeSpan.FromSeconds(2));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(["a"], queue.DrainReady());

        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(["b", "c"], queue.DrainReady());
    }

    [Fact]
    public void A_zero_or_negative_delay_queues_the_key_now()
    {
        using var queue = new RateLimitedWorkQueue<string>(timeProvider: _time);

        queue.AddAfter("a", TimeSpan.Zero);
        queue.AddAfter("b", TimeSpan.FromSeconds(-1));

        Assert.Equal(["a", "b"], queue.DrainReady());
    }

    [Fact]
    public void A_delayed_key_that_is_already_queued_when_it_falls_due_is_not_queued_twice()
    {
        using var queue = new RateLimitedWorkQueue<string>(timeProvider: _time);
        queue.Add("a");
        queue.AddAfter("a", TimeSpan.FromSeconds(1));

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(["a"], queue.DrainReady());
        Assert.Equal(1, queue.Metrics.Adds);
    }

    [Fact]
    public void A_key_that_falls_due_while_it_is_processed_waits_for_Done()
    {
        using var queue = new RateLimitedWorkQueue<string>(timeProvider: _time);
        queue.Add("a");
        var key = queue.TakeReady();
        queue.AddAfter("a", TimeSpan.FromSeconds(1));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, queue.Metrics.Depth);

        queue.Done(key);
        Assert.Equal(["a"], queue.DrainReady());
    }

    [Fact]
    public void A_delay_longer_than_a_timer_period_still_falls_due_on_time()
    {
        using var queue = new RateLimitedWorkQueue<string>(timeProvider: _time);
        queue.AddAfter("a", TimeSpan.FromDays(3));

        _time.Advance(TimeSpan.FromDays(1));
        _time.Advance(TimeSpan.FromDays(1));
        _time.Advance(TimeSpan.FromDays(1) - TimeSpan.FromSeconds(1));
        Assert.Equal(0, queue.Metrics.Depth);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, queue.Metrics.Depth);
    }
}
