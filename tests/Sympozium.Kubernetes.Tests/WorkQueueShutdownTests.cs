using Microsoft.Extensions.Time.Testing;
using Sympozium.Kubernetes.Tests.Support;
using Sympozium.Kubernetes.WorkQueue;

namespace Sympozium.Kubernetes.Tests;

public sealed class WorkQueueShutdownTests
{
    [Fact]
    public async Task Shutdown_wakes_every_waiting_worker_with_no_key()
    {
        using var queue = new RateLimitedWorkQueue<string>();
        var waiting = Enumerable.Range(0, 3).Select(_ => queue.GetAsync().AsTask()).ToArray();
        Assert.DoesNotContain(waiting, w => w.IsCompleted);

        queue.ShutDown();

        var results = await Eventually.CompletesAsync(Task.WhenAll(waiting), "every waiting worker woke");
        Assert.All(results, r => Assert.Null(r));
        Assert.True(queue.IsShuttingDown);
    }

    [Fact]
    public async Task After_shutdown_no_key_is_handed_out_or_accepted()
    {
        var time = new FakeTimeProvider();
        using var queue = new RateLimitedWorkQueue<string>(timeProvider: time);
        queue.Add("queued");
        queue.AddAfter("delayed", TimeSpan.FromSeconds(1));

        queue.ShutDown();
        queue.Add("late");
        queue.AddAfter("late-delayed", TimeSpan.FromSeconds(1));
        queue.AddRateLimited("late-retry");
        time.Advance(TimeSpan.FromSeconds(5));

        Assert.Null(await queue.GetAsync());
        Assert.Equal(new WorkQueueMetrics(Depth: 0, Processing: 0, Delayed: 0, Adds: 1, Retries: 0), queue.Metrics);
    }

    [Fact]
    public async Task Drain_waits_for_keys_in_progress_to_be_done()
    {
        using var queue = new RateLimitedWorkQueue<string>();
        queue.Add("a");
        queue.Add("b");
        var a = queue.TakeReady();
        var b = queue.TakeReady();

        var drained = queue.ShutDownAndDrainAsync();
        queue.Done(a);
        Assert.False(drained.IsCompleted, "b is still being processed");

        queue.Done(b);
        await Eventually.CompletesAsync(drained, "the queue drained");
    }

    [Fact]
    public async Task Drain_of_an_idle_queue_finishes_at_once()
    {
        using var queue = new RateLimitedWorkQueue<string>();

        await Eventually.CompletesAsync(queue.ShutDownAndDrainAsync(), "the idle queue drained");
    }

    [Fact]
    public async Task A_key_added_while_it_is_processed_is_not_handed_out_again_after_shutdown()
    {
        using var queue = new RateLimitedWorkQueue<string>();
        queue.Add("a");
        var key = queue.TakeReady();
        queue.Add("a");

        queue.ShutDown();
        queue.Done(key);

        Assert.Null(await queue.GetAsync());
        Assert.Equal(0, queue.Metrics.Processing);
    }

    [Fact]
    public async Task A_waiting_worker_can_stop_waiting_by_cancellation()
    {
        using var queue = new RateLimitedWorkQueue<string>();
        using var cts = new CancellationTokenSource();
        var waiting = queue.GetAsync(cts.Token).AsTask();

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        queue.Add("a");
        Assert.Equal("a", queue.TakeReady());
    }
}
