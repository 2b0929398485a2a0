using System.Text.Json.Nodes;

namespace Sympozium.LocalCluster.Tests;

/// <summary>
/// Pod field selectors, in a cluster without a kubelet: the pods stay Pending on nodes that exist
/// (a kubelet would run them, and the cluster removes pods bound to unknown nodes).
/// </summary>
public sealed class FieldSelectorTests(NoKubeletClusterFixture cluster) : IClassFixture<NoKubeletClusterFixture>
{
    private readonly HttpClient _http = cluster.Http;

    [Fact]
    public async Task Field_selectors_filter_by_name_namespace_nodeName_and_phase()
    {
        foreach (var node in new[] { "n1", "n2" })
        {
            await _http.PostAsync("api/v1/nodes", new JsonObject { ["metadata"] = new JsonObject { ["name"] = node } });
        }

        foreach (var (name, node) in new[] { ("fs-a", "n1"), ("fs-b", "n2") })
        {
            var (code, body) = await _http.PostAsync("api/v1/namespaces/default/pods", new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = name },
                ["spec"] = new JsonObject { ["nodeName"] = node, ["containers"] = new JsonArray(new JsonObject { ["name"] = "c", ["image"] = "busybox" }) },
            });
            Assert.True(code == 201, body.ToJsonString());
        }

        async Task<string[]> Names(string selector)
        {
            var (_, list) = await _http.GetJsonAsync($"api/v1/pods?fieldSelector={Uri.EscapeDataString(selector)}");
            return list["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>()).Where(n => n.StartsWith("fs-", StringComparison.Ordinal)).ToArray();
        }

        Assert.Equal(["fs-b"], await Names("spec.nodeName=n2"));
        Assert.Equal(["fs-a"], await Names("metadata.name=fs-a,metadata.namespace=default"));
        Assert.Equal(["fs-a", "fs-b"], await Names("status.phase=Pending"));
        Assert.Equal(["fs-b"], await Names("spec.nodeName!=n1"));
        Assert.Empty(await Names("status.phase=Running"));
    }
}
