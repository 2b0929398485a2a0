using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Kubernetes.Client;

namespace Sympozium.Kubernetes.Tests;

/// <summary>Typed CRUD and patch for our kinds and built-ins over real HTTP (the local cluster).</summary>
public sealed class ResourceClientTests : ClusterTestBase
{
    [Fact]
    public async Task Agent_runs_can_be_created_read_listed_patched_and_deleted()
    {
        var runs = Runs();

        var created = await runs.CreateAsync("default", NewRun("r1"));
        var read = await runs.GetAsync("default", "r1");
        var listed = await runs.ListAsync("default");
        var patched = await runs.MergePatchAsync("default", "r1", """{"metadata":{"labels":{"team":"a"}}}""");
        var status = await runs.MergePatchAsync("default", "r1", """{"status":{"phase":"Running","jobName":"r1"}}""", status: true);

        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));
        Assert.Equal("task", created.Spec.Mode);
        Assert.Equal("t-r1", read!.Spec.Task);
        Assert.Equal("r1", Assert.Single(listed.Items).Metadata.Name);
        Assert.False(string.IsNullOrEmpty(listed.ResourceVersion));
        Assert.Equal("a", patched.Metadata.Labels!["team"]);
        Assert.Equal(("Running", "r1"), (status.Status!.Phase, status.Status.JobName));
        Assert.True(await runs.DeleteAsync("default", "r1"));
        Assert.Null(await runs.GetAsync("default", "r1"));
        Assert.False(await runs.DeleteAsync("default", "r1"));
    }

    [Fact]
    public async Task A_stale_update_is_a_conflict_and_a_duplicate_create_already_exists()
    {
        var runs = Runs();
        var first = await runs.CreateAsync("default", NewRun("r2"));
        first.Spec.Task = "changed once";
        await runs.ReplaceAsync("default", "r2", first);

        first.Spec.Task = "changed from a stale copy";
        var conflict = await Assert.ThrowsAsync<KubernetesApiException>(() => runs.ReplaceAsync("default", "r2", first));
        var duplicate = await Assert.ThrowsAsync<KubernetesApiException>(() => runs.CreateAsync("default", NewRun("r2")));

        Assert.True(conflict.IsConflict);
        Assert.True(duplicate.IsAlreadyExists);
        Assert.Contains("AgentRun default/r2", conflict.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_objects_are_rejected_with_the_servers_message()
    {
        var run = NewRun("r3");
        run.Spec.Model.Provider = "olama";

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => Runs().CreateAsync("default", run));

        Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, error.StatusCode);
        Assert.Contains("spec.model.provider", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_read_modify_writes_are_retried_on_conflict_and_none_is_lost()
    {
        var maps = new ResourceClient<V1ConfigMap>(Connection, ApiResource.ConfigMaps, ResourceSerializer.FromKubernetesClient<V1ConfigMap>());
        await maps.CreateAsync("default", new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "counter" }, Data = new Dictionary<string, string> { ["n"] = "0" } });

        async Task IncrementAsync() => await ConflictRetry.RunAsync(async ct =>
        {
            var map = (await maps.GetAsync("default", "counter", ct))!;
            await Task.Yield();
            map.Data["n"] = (int.Parse(map.Data["n"], System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return await maps.ReplaceAsync("default", "counter", map, ct);
        }, maxAttempts: 50);

        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => IncrementAsync()));

        Assert.Equal("10", (await maps.GetAsync("default", "counter"))!.Data["n"]);
    }
}
