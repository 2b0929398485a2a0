using System.Text.Json.Nodes;
using static Sympozium.LocalCluster.Tests.ControllerTestKit;

namespace Sympozium.LocalCluster.Tests;

/// <summary>ownerReference garbage collection: background, foreground, orphan, dangling owners.</summary>
public sealed class GarbageCollectorTests(NoKubeletClusterFixture cluster) : IClassFixture<NoKubeletClusterFixture>
{
    private const string ConfigMaps = "api/v1/namespaces/default/configmaps";
    private readonly HttpClient _http = cluster.Http;

    private async Task<(JsonObject Owner, JsonObject Dependent)> PairAsync(string prefix, bool block = false, string? dependentFinalizer = null)
    {
        var (_, owner) = await _http.PostAsync(ConfigMaps, Api.ConfigMap($"{prefix}-owner"));
        var dependent = Api.ConfigMap($"{prefix}-dependent");
        dependent["metadata"]!["ownerReferences"] = new JsonArray(new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["name"] = Name(owner),
            ["uid"] = Uid(owner),
            ["blockOwnerDeletion"] = block,
        });
        if (dependentFinalizer is not null)
        {
            dependent["metadata"]!["finalizers"] = new JsonArray(dependentFinalizer);
        }

        var (code, created) = await _http.PostAsync(ConfigMaps, dependent);
        Assert.Equal(201, code);
        return (owner, created);
    }

    [Fact]
    public async Task Background_deletion_removes_the_owner_at_once_and_then_its_dependents()
    {
        var (owner, dependent) = await PairAsync("bg");
        Assert.Equal(200, await _http.DeleteAsync($"{ConfigMaps}/{Name(owner)}", "Background"));
        Assert.True(await _http.GoneAsync($"{ConfigMaps}/{Name(owner)}"));
        await EventuallyAsync(() => _http.GoneAsync($"{ConfigMaps}/{Name(dependent)}"), "the dependent to be collected");
    }

    [Fact]
    public async Task Foreground_deletion_keeps_the_owner_until_blocking_dependents_are_gone()
    {
        var (owner, dependent) = await PairAsync("fg", block: true, dependentFinalizer: "test.sympozium.ai/hold");
        Assert.Equal(200, await _http.DeleteAsync($"{ConfigMaps}/{Name(owner)}", "Foreground"));

        var (_, marked) = await _http.GetJsonAsync($"{ConfigMaps}/{Name(owner)}");
        Assert.NotNull(marked["metadata"]!["deletionTimestamp"]);
        Assert.Contains("foregroundDeletion", marked["metadata"]!["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()));
        var held = await EventuallyAsync(async () =>
        {
            var (_, d) = await _http.GetJsonAsync($"{ConfigMaps}/{Name(dependent)}");
            return d["metadata"]?["deletionTimestamp"] is null ? null : d;
        }, "the dependent to be marked for deletion");
        await Task.Delay(300);
        Assert.False(await _http.GoneAsync($"{ConfigMaps}/{Name(owner)}")); // blocked by the dependent

        held["metadata"]!.AsObject().Remove("finalizers");
        Assert.Equal(200, (await _http.PutAsync($"{ConfigMaps}/{Name(dependent)}", held)).Code);
        await EventuallyAsync(() => _http.GoneAsync($"{ConfigMaps}/{Name(owner)}"), "the owner to go after its dependent");
    }

    [Fact]
    public async Task Orphan_deletion_leaves_the_dependents_without_the_owner_reference()
    {
        var (owner, dependent) = await PairAsync("orphan");
        Assert.Equal(200, await _http.DeleteAsync($"{ConfigMaps}/{Name(owner)}", "Orphan"));
        await Task.Delay(300);
        var (code, kept) = await _http.GetJsonAsync($"{ConfigMaps}/{Name(dependent)}");
        Assert.Equal(200, code);
        Assert.Null(kept["metadata"]!["ownerReferences"]);
    }

    [Fact]
    public async Task A_dependent_whose_owner_does_not_exist_is_collected_and_a_dangling_second_owner_reference_dropped()
    {
        var (owner, _) = await PairAsync("live");
        var orphan = Api.ConfigMap("dangling-dependent");
        orphan["metadata"]!["ownerReferences"] = new JsonArray(new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["name"] = "never-existed", ["uid"] = Guid.NewGuid().ToString(),
        });
        await _http.PostAsync(ConfigMaps, orphan);
        var mixed = Api.ConfigMap("mixed-dependent");
        mixed["metadata"]!["ownerReferences"] = new JsonArray(
            new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["name"] = "never-existed", ["uid"] = Guid.NewGuid().ToString() },
            new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["name"] = Name(owner), ["uid"] = Uid(owner) });
        await _http.PostAsync(ConfigMaps, mixed);

        await EventuallyAsync(() => _http.GoneAsync($"{ConfigMaps}/dangling-dependent"), "the dangling dependent to be collected");
        await EventuallyAsync(async () =>
        {
            var (_, m) = await _http.GetJsonAsync($"{ConfigMaps}/mixed-dependent");
            return m["metadata"]!["ownerReferences"]!.AsArray().Count == 1;
        }, "the dangling reference to be dropped");
    }

    [Fact]
    public async Task A_namespaced_dependent_of_a_cluster_scoped_owner_is_collected_with_it()
    {
        var (_, owner) = await _http.PostAsync("apis/rbac.authorization.k8s.io/v1/clusterroles", new JsonObject
        {
            ["apiVersion"] = "rbac.authorization.k8s.io/v1", ["kind"] = "ClusterRole", ["metadata"] = new JsonObject { ["name"] = "gc-owner-role" },
        });
        var dependent = Api.ConfigMap("of-a-cluster-role");
        dependent["metadata"]!["ownerReferences"] = new JsonArray(new JsonObject
        {
            ["apiVersion"] = "rbac.authorization.k8s.io/v1", ["kind"] = "ClusterRole", ["name"] = Name(owner), ["uid"] = Uid(owner),
        });
        Assert.Equal(201, (await _http.PostAsync(ConfigMaps, dependent)).Code);
        await Task.Delay(300);
        Assert.False(await _http.GoneAsync($"{ConfigMaps}/of-a-cluster-role"));

        await _http.DeleteAsync($"apis/rbac.authorization.k8s.io/v1/clusterroles/{Name(owner)}");
        await EventuallyAsync(() => _http.GoneAsync($"{ConfigMaps}/of-a-cluster-role"), "the dependent of the cluster-scoped owner");
    }
}
