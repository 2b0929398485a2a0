using Sympozium.Kubernetes.Client;

namespace Sympozium.Kubernetes.Tests;

/// <summary>Finalizers are added and removed idempotently, and never over a concurrent change.</summary>
public sealed class FinalizerTests : ClusterTestBase
{
    private const string Ours = "sympozium.ai/test-finalizer";

    [Fact]
    public async Task Adding_twice_writes_once_and_keeps_the_finalizers_of_others()
    {
        var runs = Runs();
        var run = NewRun("f1");
        run.Metadata.Finalizers = ["example.com/other"];
        var created = await runs.CreateAsync("default", run);

        var added = await Finalizer.AddAsync(runs, created, Ours);
        var again = await Finalizer.AddAsync(runs, added, Ours);

        Assert.Equal(["example.com/other", Ours], added.Metadata.Finalizers);
        Assert.NotEqual(created.Metadata.ResourceVersion, added.Metadata.ResourceVersion);
        Assert.Same(added, again);
        Assert.Equal(added.Metadata.ResourceVersion, (await runs.GetAsync("default", "f1"))!.Metadata.ResourceVersion);
        Assert.True(Finalizer.Has(again, Ours));
    }

    [Fact]
    public async Task Removing_twice_writes_once_and_keeps_the_finalizers_of_others()
    {
        var runs = Runs();
        var run = NewRun("f2");
        run.Metadata.Finalizers = [Ours, "example.com/other"];
        var created = await runs.CreateAsync("default", run);

        var removed = await Finalizer.RemoveAsync(runs, created, Ours);
        var again = await Finalizer.RemoveAsync(runs, removed, Ours);

        Assert.Equal(["example.com/other"], removed.Metadata.Finalizers);
        Assert.Same(removed, again);
        Assert.False(Finalizer.Has(again, Ours));
        Assert.Equal(["example.com/other"], (await runs.GetAsync("default", "f2"))!.Metadata.Finalizers);
    }

    [Fact]
    public async Task A_change_from_a_stale_read_is_a_conflict_and_writes_nothing()
    {
        var runs = Runs();
        var stale = await runs.CreateAsync("default", NewRun("f3"));
        await runs.MergePatchAsync("default", "f3", """{"metadata":{"finalizers":["example.com/other"]}}""");

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => Finalizer.AddAsync(runs, stale, Ours));

        // The API server refuses a JSON patch whose test fails (422, like Kubernetes): nothing is overwritten.
        Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, error.StatusCode);
        Assert.Equal(["example.com/other"], (await runs.GetAsync("default", "f3"))!.Metadata.Finalizers);
    }

    [Fact]
    public async Task Reconciling_a_live_object_adds_the_finalizer_and_runs_no_cleanup()
    {
        var runs = Runs();
        var created = await runs.CreateAsync("default", NewRun("f4"));
        var cleanups = 0;

        var live = await Finalizer.ReconcileAsync(runs, created, Ours, _ => Task.FromResult(cleanups++));

        Assert.NotNull(live);
        Assert.Equal([Ours], live.Metadata.Finalizers);
        Assert.Equal(0, cleanups);
    }

    [Fact]
    public async Task Reconciling_a_deleted_object_cleans_up_once_then_releases_it()
    {
        var runs = Runs();
        var run = NewRun("f5");
        run.Metadata.Finalizers = [Ours];
        await runs.CreateAsync("default", run);
        await runs.DeleteAsync("default", "f5");
        var deleting = (await runs.GetAsync("default", "f5"))!;
        var cleanups = 0;

        var first = await Finalizer.ReconcileAsync(runs, deleting, Ours, _ => Task.FromResult(cleanups++));
        var again = await Finalizer.ReconcileAsync(runs, deleting, "example.com/not-ours", _ => Task.FromResult(cleanups++));

        Assert.NotNull(deleting.Metadata.DeletionTimestamp);
        Assert.Null(first);
        Assert.Null(again);
        Assert.Equal(1, cleanups);
        Assert.Null(await runs.GetAsync("default", "f5"));
    }
}
