using System.Collections.Concurrent;
using Sympozium.Kubernetes.Tests.Support;
using Sympozium.Kubernetes.WorkQueue;

namespace Sympozium.Kubernetes.Tests;

/// <summary>The risk: two workers reconciling one object at once (double Job creation, lost status).</summary>
public sealed class WorkQueueOneWorkerPerKeyTests
{
    [Fact]
    public async Task Many_adds_of_a_key_being_processed_by_one_of_many_workers_process_it_again_exactly_once_and_never_concurrently()
    {
        using var queue = new RateLimitedWorkQueue<string>();
        var processed = new ConcurrentDictionary<string, int>();
        var inFlight = new ConcurrentDictionary<string, int>();
        var maxInFlight = 0;
        var firstStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task WorkerAsync()
        {
            while (await queue.GetAsync() is { } item)
            {
                var concurrent = inFlight.AddOrUpdate(item.Key, 1, (_, n) => n + 1);
                InterlockedMax(ref maxInFlight, concurrent);
                if (processed.AddOrUpdate(item.Key, 1, (_, n) => n + 1) == 1)
                {
                    firstStarted.TrySetResult();
                    await releaseFirst.Task;
                }

                await Task.Yield();
                inFlight.AddOrUpdate(item.Key, 0, (_, n) => n - 1);
                queue.Done(item.Key);
            }
        }

        var workers = Enumerable.Range(0, 8).Select(_ => Task.Run(WorkerAsync)).ToArray();
        queue.Add("team-a/r1");
        await Eventually.CompletesAsync(firstStarted.Task, "the first worker took the key");

        // Hammer the key from several threads while it is held; idle workers are all waiting.
        Parallel.For(0, 1000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, _ => queue.Add("team-a/r1"));
        Assert.Equal(0, queue.Metrics.Depth);
        releaseFirst.SetResult();

        await Eventually.TrueAsync(() => processed.GetValueOrDefault("team-a/r1") == 2 && queue.Metrics is { Depth: 0, Processing: 0 }, "the key was processed a second time");
        await queue.ShutDownAndDrainAsync();
        await Eventually.CompletesAsync(Task.WhenAll(workers), "every worker stopped");

        Assert.Equal(2, processed["team-a/r1"]);
        Assert.Equal(1, maxInFlight);
    }

    [Fact]
    public async Task Under_concurrent_adds_of_many_keys_no_key_is_ever_held_by_two_workers()
    {
        using var queue = new RateLimitedWorkQueue<string>();
        var inFlight = new ConcurrentDictionary<string, int>();
        var processed = new ConcurrentDictionary<string, int>();
        var maxInFlightPerKey = 0;

        async Task WorkerAsync()
        {
            while (await queue.GetAsync() is { } item)
            {
                InterlockedMax(ref maxInFlightPerKey, inFlight.AddOrUpdate(item.Key, 1, (_, n) => n + 1));
                await Task.Yield();
                Thread.SpinWait(200);
                inFlight.AddOrUpdate(item.Key, 0, (_, n) => n - 1);
                processed.AddOrUpdate(item.Key, 1, (_, n) => n + 1);
                queue.Done(item.Key);
            }
        }

        var workers = Enumerable.Range(0, 16).Select(_ => Task.Run(WorkerAsync)).ToArray();
        Parallel.For(0, 20_000, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => queue.Add($"ns/run-{i % 50}"));

        await Eventually.TrueAsync(() => processed.Count == 50 && queue.Metrics is { Depth: 0, Processing: 0 }, "every key was processed and the queue is idle");
        await queue.ShutDownAndDrainAsync();
        await Eventually.CompletesAsync(Task.WhenAll(workers), "every worker stopped");

        Assert.Equal(1, maxInFlightPerKey);
        Assert.True(processed.Values.Sum() <= queue.Metrics.Adds, "a key is never processed more often than it was accepted");
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
