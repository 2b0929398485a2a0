using System.Diagnostics;
using System.Text.Json.Nodes;
using Sympozium.LocalCluster.Kubelet;

namespace Sympozium.LocalCluster.Tests;

/// <summary>A local cluster with two nodes (local-node and gpu-node, labelled gpu=true) whose kubelet runs pods as processes.</summary>
public sealed class KubeletFixture : IAsyncLifetime
{
    private LocalClusterServer? _server;

    public LocalClusterServer Server => _server ?? throw new InvalidOperationException("not initialized");

    public string Kubeconfig => Server.KubeconfigPath;

    public async Task InitializeAsync()
    {
        var dir = LocalClusterFixture.NewDirectory();
        var nodes = Path.Combine(dir, "nodes.yaml");
        await File.WriteAllTextAsync(nodes, """
            - name: local-node
            - name: gpu-node
              labels: {gpu: "true", zone: a}
            """);
        _server = await LocalClusterFixture.StartAsync(dir, o => o with
        {
            NodesFile = nodes,
            ConfigureKubelet = k => k with { MaxGracePeriod = TimeSpan.FromSeconds(5), BackOffScale = 0.2 },
        });
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
            LocalClusterFixture.TryDelete(_server.Options.Directory);
        }
    }
}

/// <summary>Pod builders and polling helpers over the store.</summary>
internal static class Pods
{
    public static JsonObject Pod(string name, params JsonObject[] containers) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = "default" },
        ["spec"] = new JsonObject { ["restartPolicy"] = "Never", ["containers"] = new JsonArray([.. containers]) },
        ["status"] = new JsonObject { ["phase"] = "Pending" },
    };

    public static JsonObject Container(string name, string script, string image = "busybox") => new()
    {
        ["name"] = name,
        ["image"] = image,
        ["command"] = new JsonArray("sh", "-c", script),
    };

    public static JsonObject Create(this LocalClusterServer server, JsonObject pod) => server.Store.Create("pods", pod);

    public static JsonObject Get(this LocalClusterServer server, string name) => server.Store.Get("pods", "default", name);

    /// <summary>Polls the pod until <paramref name="condition"/> holds (generous timeout for loaded machines).</summary>
    public static async Task<JsonObject> WaitAsync(this LocalClusterServer server, string name, Func<JsonObject, bool> condition, int seconds = 20)
    {
        var watch = Stopwatch.StartNew();
        JsonObject pod;
        do
        {
            pod = server.Get(name);
            if (condition(pod))
            {
                return pod;
            }

            await Task.Delay(50);
        }
        while (watch.Elapsed < TimeSpan.FromSeconds(seconds));

        throw new TimeoutException($"pod {name} did not reach the expected state; last: {pod["status"]?.ToJsonString()}");
    }

    public static Task<JsonObject> WaitPhaseAsync(this LocalClusterServer server, string name, string phase) =>
        server.WaitAsync(name, p => p["status"]?["phase"]?.ToString() == phase);

    public static JsonNode? Status(this JsonObject pod, string container, bool init = false) =>
        (pod["status"]?[init ? "initContainerStatuses" : "containerStatuses"] as JsonArray)?.FirstOrDefault(s => s?["name"]?.ToString() == container);

    public static string Logs(this LocalClusterServer server, string pod, string container)
    {
        var obj = server.Get(pod);
        var dir = ContainerLogs.PodDirectory(server.Options.Directory, "default", pod, obj["metadata"]!["uid"]!.ToString());
        var instance = ContainerLogs.Instances(dir, container)[^1];
        return string.Concat(File.ReadAllLines(ContainerLogs.LogFile(dir, container, instance)).Select(l => ContainerLogs.TryParse(l, out _, out var text) ? text + "\n" : ""));
    }

    public static bool ProcessExists(int pid) => File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
}
