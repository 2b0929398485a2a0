using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Sympozium.Api.Kinds;
using Sympozium.Kubernetes.Cache;

namespace Sympozium.Kubernetes.Tests;

/// <summary>List-then-watch caches lose no change across interrupted watches and expired versions.</summary>
public sealed class InformerTests : ClusterTestBase
{
    // A tiny watch window so a paused informer's version expires (410) quickly.
    protected override int WatchWindow => 5;

    private Informer<AgentRun> NewInformer() => new(Runs(), r => new ObjectKey(r.Metadata.Namespace, r.Metadata.Name!), r => r.Metadata.ResourceVersion,
        NullLogger.Instance, new InformerOptions { Namespace = "default", WatchTimeoutSeconds = 2, RetryDelay = TimeSpan.FromMilliseconds(50) });

    private static async Task Eventually(Func<bool> condition, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!condition())
        {
            await Task.Delay(50, timeout.Token).ContinueWith(t => t.IsCanceled ? throw new TimeoutException("timed out waiting until " + what) : t, TaskScheduler.Default);
        }
    }

    [Fact]
    public async Task Informer_sees_adds_updates_and_deletes_in_order()
    {
        var informer = NewInformer();
        var events = new ConcurrentQueue<string>();
        informer.OnChange(e => events.Enqueue($"{e.Type} {e.Key.Name}"));
        using var stop = new CancellationTokenSource();
        var running = informer.RunAsync(stop.Token);
        await informer.WaitForSyncAsync(CancellationToken.None);

        await Runs().CreateAsync("default", NewRun("a"));
        await Runs().MergePatchAsync("default", "a", """{"metadata":{"labels":{"x":"1"}}}""");
        await Runs().DeleteAsync("default", "a");
        await Eventually(() => events.Count >= 3, "three events arrived");
        await stop.CancelAsync();
        await running;

        Assert.Equal(["Added a", "Modified a", "Deleted a"], events);
        Assert.Empty(informer.List());
    }

    [Fact]
    public async Task Watch_interrupted_past_the_servers_window_relists_and_loses_no_change()
    {
        var informer = NewInformer();
        var deleted = new ConcurrentBag<string>();
        informer.OnChange(e =>
        {
            if (e.Type == InformerEventType.Deleted)
            {
                deleted.Add(e.Key.Name);
            }
        });
        await Runs().CreateAsync("default", NewRun("keep"));
        await Runs().CreateAsync("default", NewRun("gone"));
        using (var first = new CancellationTokenSource())
        {
            var running = informer.RunAsync(first.Token);
            await informer.WaitForSyncAsync(CancellationToken.None);
            await first.CancelAsync();
            await running;
        }

        // While nobody watches: more changes than the server keeps events for.
        await Runs().DeleteAsync("default", "gone");
        for (var i = 0; i < 8; i++)
        {
            await Runs().CreateAsync("default", NewRun($"new-{i}"));
        }

        await Runs().MergePatchAsync("default", "keep", """{"spec":{"task":"updated while away"}}""");
        using var second = new CancellationTokenSource();
        var resumed = informer.RunAsync(second.Token);
        await Eventually(() => informer.List().Count == 9 && informer.Get(new ObjectKey("default", "keep"))?.Spec.Task == "updated while away", "the cache caught up");
        await second.CancelAsync();
        await resumed;

        Assert.True(informer.Relists >= 1);
        Assert.Contains("gone", deleted);
        Assert.Equal((await Runs().ListAsync("default")).Items.Select(r => r.Metadata.Name).Order(), informer.List().Select(r => r.Metadata.Name).Order());
    }
}
