using System.Text.Json.Nodes;

namespace Sympozium.LocalCluster.Tests;

/// <summary>State in DIR survives a restart; resourceVersions continue; the kubeconfig stays valid.</summary>
public sealed class PersistenceTests
{
    [Fact]
    public async Task A_restart_keeps_objects_CRDs_and_continues_resourceVersions()
    {
        var directory = LocalClusterFixture.NewDirectory();
        string before;
        await using (var server = await LocalClusterFixture.StartAsync(directory))
        {
            using var http = LocalClusterFixture.CreateHttpClient(server);
            await LocalClusterFixture.ApplyCrdsAsync(http);
            var (_, created) = await http.PostAsync("api/v1/namespaces/default/configmaps", Api.ConfigMap("kept", "42"));
            before = Api.Rv(created);
        }

        await using (var server = await LocalClusterFixture.StartAsync(directory))
        {
            using var http = LocalClusterFixture.CreateHttpClient(server);
            var (code, kept) = await http.GetJsonAsync("api/v1/namespaces/default/configmaps/kept");
            Assert.Equal(200, code);
            Assert.Equal("42", kept["data"]!["k"]!.GetValue<string>());
            Assert.Equal(before, Api.Rv(kept));

            var (_, next) = await http.PostAsync("api/v1/namespaces/default/configmaps", Api.ConfigMap("after"));
            Assert.True(long.Parse(Api.Rv(next)) > long.Parse(before));

            var (crdKind, _) = await http.GetJsonAsync("apis/sympozium.ai/v1alpha1/namespaces/default/agentruns");
            Assert.Equal(200, crdKind);
            Assert.Contains("token: " + server.Token, await File.ReadAllTextAsync(server.KubeconfigPath), StringComparison.Ordinal);
        }

        LocalClusterFixture.TryDelete(directory);
    }

    [Fact]
    public async Task Declared_nodes_come_from_the_nodes_file_with_standard_labels()
    {
        var directory = LocalClusterFixture.NewDirectory();
        var nodesFile = Path.Combine(directory, "nodes.yaml");
        await File.WriteAllTextAsync(nodesFile, """
            - name: cpu-node
            - name: gpu-node
              labels: {nvidia.com/gpu.present: "true"}
              annotations: {sympozium.ai/inference-ollama: "http://127.0.0.1:11434"}
            """);
        await using (var server = await LocalClusterFixture.StartAsync(directory, o => o with { NodesFile = nodesFile }))
        {
            using var http = LocalClusterFixture.CreateHttpClient(server);
            var (_, gpu) = await http.GetJsonAsync("api/v1/nodes/gpu-node");
            Assert.Equal("true", gpu["metadata"]!["labels"]!["nvidia.com/gpu.present"]!.GetValue<string>());
            Assert.Equal("gpu-node", gpu["metadata"]!["labels"]!["kubernetes.io/hostname"]!.GetValue<string>());
            Assert.Equal("linux", gpu["metadata"]!["labels"]!["kubernetes.io/os"]!.GetValue<string>());
            Assert.Equal("http://127.0.0.1:11434", gpu["metadata"]!["annotations"]!["sympozium.ai/inference-ollama"]!.GetValue<string>());
            Assert.Equal("True", gpu["status"]!["conditions"]![0]!["status"]!.GetValue<string>());
            var (_, nodes) = await http.GetJsonAsync("api/v1/nodes");
            Assert.Equal(["cpu-node", "gpu-node"], nodes["items"]!.AsArray().Select(n => n!["metadata"]!["name"]!.GetValue<string>()).ToArray());
        }

        LocalClusterFixture.TryDelete(directory);
    }
}
