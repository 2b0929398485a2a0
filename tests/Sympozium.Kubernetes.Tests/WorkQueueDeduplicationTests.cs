using Sympozium.Kubernetes.Tests.Support;
using Sympozium.Kubernetes.WorkQueue;

namespace Sympozium.Kubernetes.Tests;

public sealed class WorkQueueDeduplicationTests
{
    [Fact]
    public void Adding_a_key_already_queued_is_a_no_op()
    {
        using var queue = new RateLimitedWorkQueue<string>();

        queue.Add("team-a/r1");
        queue.Add("team-a/r1");
        queue.Add("team-a/r2");
        queue.Add("team-a/r1");

        Assert.Equal(2, queue.Metrics.Depth);
        Assert.Equal(2, queue.Metrics.Adds);
        Assert.Equal(["team-a/r1", "team-a/r2"], queue.DrainReady());
    }

    [Fact]
    public void Keys_are_handed_out_in_the_order_they_were_first_added()
    {
        using var queue = new RateLimitedWorkQueue<string>();

        foreach (var key in new[] { "c", "a", "b", "a", "c" })
        {
            queue.Add(key);
        }

        Assert.Equal(["c", "a", "b"], queue.DrainReady());
    }

    [Fact]
    public async Task A_key_added_while_it_is_processed_is_handed_out_again_only_after_Done()
    {
        using var queue = new RateLimitedWorkQueue<string>();
        queue.Add("a");
        var key = queue.TakeReady();

        queue.Add("a");
        var secondWorker = queue.GetAsync().AsTask();

        Assert.Equal(0, queue.Metrics.Depth);
        Assert.False(secondWorker.IsCompleted, "a second worker must not get a key that is being processed");

        queue.Done(key);

        var item = await Eventually.CompletesAsync(secondWorker, "the second worker got the key after Done");
        Assert.Equal("a", item?.Key);
    }

    [Fact]
    public async Task A_key_added_many_times_while_it_is_processed_is_processed_again_exactly_once()
    {
        using var queue = new RateLimitedWorkQueue<string>();
        queue.Add("a");
        var key = queue.TakeReady();

        for (var i = 0; i < 100; i++)
        {
            queue.Add("a");
        }

        queue.Done(key);

        Assert.Equal(["a"], queue.DrainReady());
        using var cts = new CancellationTokenSource();
        var next = queue.GetAsync(cts.Token).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next);
    }

    [Fact]
    public void A_key_that_was_not_added_again_is_not_handed_out_after_Done()
    {
        using var queue = new RateLimitedWorkQueue<string>();
        queue.Add("a");
        var key = queue.TakeReady();

        queue.Done(key);

        Assert.Equal(new WorkQueueMetrics(Depth: 0, Processing: 0, Delayed: 0, Adds: 1, Retries: 0), queue.Metrics);
    }

    [Fact]
    public void Done_for_a_key_no_worker_holds_is_ignored()
    {
        using var queue = new RateLimitedWorkQueue<string>();
        queue.Add("a");

        queue.Done("a");
        queue.Done("never-added");

        Assert.Equal(1, queue.Metrics.Depth);
        Assert.Equal("a", queue.TakeReady());
    }

    [Fact]
    public async Task A_waiting_worker_gets_the_key_as_soon_as_it_is_added()
    {
        using var queue = new RateLimitedWorkQueue<string>();
        var waiting = queue.GetAsync().AsTask();
        Assert.False(waiting.IsCompleted);

        queue.Add("a");

        var item = await Eventually.CompletesAsync(waiting, "the waiting worker got the key");
        Assert.Equal("a", item?.Key);
        Assert.Equal(1, queue.Metrics.Processing);
    }

    [Fact]
    public void Keys_are_compared_with_the_given_comparer()
    {
        using var queue = new RateLimitedWorkQueue<string>(comparer: StringComparer.OrdinalIgnoreCase);

        queue.Add("Team-A/R1");
        queue.Add("team-a/r1");

        Assert.Equal(1, queue.Metrics.Depth);
    }
}
