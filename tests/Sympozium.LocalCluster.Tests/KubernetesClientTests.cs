using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Sympozium.LocalCluster.Tests;

/// <summary>KubernetesClient.Aot (what our components use) against the local cluster, from the written kubeconfig.</summary>
public sealed class KubernetesClientTests(LocalClusterFixture cluster) : IClassFixture<LocalClusterFixture>
{
    private Kubernetes Client() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.Server.KubeconfigPath));

    [Fact]
    public async Task ConfigMap_create_get_list_replace_patch_delete()
    {
        using var client = Client();
        var created = await client.CoreV1.CreateNamespacedConfigMapAsync(
            new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "kc-cm", Labels = new Dictionary<string, string> { ["app"] = "kc" } }, Data = new Dictionary<string, string> { ["a"] = "1" } },
            "default");
        Assert.False(string.IsNullOrEmpty(created.Metadata.Uid));

        var read = await client.CoreV1.ReadNamespacedConfigMapAsync("kc-cm", "default");
        Assert.Equal("1", read.Data["a"]);

        var list = await client.CoreV1.ListNamespacedConfigMapAsync("default", labelSelector: "app=kc");
        Assert.Equal("kc-cm", Assert.Single(list.Items).Metadata.Name);

        read.Data["a"] = "2";
        var replaced = await client.CoreV1.ReplaceNamespacedConfigMapAsync(read, "kc-cm", "default");
        Assert.Equal("2", replaced.Data["a"]);

        var patched = await client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("{\"data\":{\"b\":\"3\"}}", V1Patch.PatchType.MergePatch), "kc-cm", "default");
        Assert.Equal("3", patched.Data["b"]);

        read.Data["a"] = "stale";
        var conflict = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReplaceNamespacedConfigMapAsync(read, "kc-cm", "default"));
        Assert.Equal(System.Net.HttpStatusCode.Conflict, conflict.Response.StatusCode);

        await client.CoreV1.DeleteNamespacedConfigMapAsync("kc-cm", "default");
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReadNamespacedConfigMapAsync("kc-cm", "default"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.Response.StatusCode);
    }

    [Fact]
    public async Task CustomObjects_create_get_list_and_patch_status_on_an_AgentRun()
    {
        using var client = Client();
        var body = new JsonObject
        {
            ["apiVersion"] = "sympozium.ai/v1alpha1",
            ["kind"] = "AgentRun",
            ["metadata"] = new JsonObject { ["name"] = "kc-run" },
            ["spec"] = new JsonObject
            {
                ["instanceRef"] = "alice",
                ["agentId"] = "primary",
                ["sessionKey"] = "s",
                ["task"] = "hi",
                ["model"] = new JsonObject { ["provider"] = "ollama", ["model"] = "llama3.2", ["authSecretRef"] = "" },
            },
        };
        // KubernetesClient.Aot serializes a create body through its own source-generated context,
        // which knows no custom kinds (docs/design/toolchain.md#kubernetes-client-under-aot):
        // create over raw HTTP, as our client layer does.
        var (code, _) = await cluster.Http.PostAsync("apis/sympozium.ai/v1alpha1/namespaces/default/agentruns", body);
        Assert.Equal(201, code);
        var read = Node(await client.CustomObjects.GetNamespacedCustomObjectAsync("sympozium.ai", "v1alpha1", "default", "agentruns", "kc-run"));
        Assert.Equal("hi", read["spec"]!["task"]!.GetValue<string>());

        var list = Node(await client.CustomObjects.ListNamespacedCustomObjectAsync("sympozium.ai", "v1alpha1", "default", "agentruns"));
        Assert.Contains(list["items"]!.AsArray(), i => i!["metadata"]!["name"]!.GetValue<string>() == "kc-run");

        var patched = Node(await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("{\"status\":{\"phase\":\"Running\"}}", V1Patch.PatchType.MergePatch), "sympozium.ai", "v1alpha1", "default", "agentruns", "kc-run"));
        Assert.Equal("Running", patched["status"]!["phase"]!.GetValue<string>());
        Assert.Equal(1, patched["metadata"]!["generation"]!.GetValue<long>());
    }

    private static JsonNode Node(object result) => result switch
    {
        JsonElement element => JsonNode.Parse(element.GetRawText())!,
        JsonNode node => node,
        _ => JsonNode.Parse(result.ToString()!)!,
    };
}
