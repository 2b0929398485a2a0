using System.Diagnostics;
using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Api.Serialization;
using Sympozium.Api.Validation;
using Sympozium.Kubernetes.Client;
using Sympozium.LocalCluster;

namespace Sympozium.Bench.Controller;

/// <summary>
/// The local cluster, in-process (API server, Job controller, kubelet and this benchmark share one
/// process and its cores), with the Sympozium CRDs and the agent-runner and ipc-bridge images mapped
/// to the controller tests' stand-in scripts, set up as ControllerProcessFixture sets it up. Every
/// stand-in process carries <see cref="Marker"/> in its environment, so /proc shows which are left.
/// </summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    private readonly string _directory;
    private readonly LocalClusterServer _server;
    private int _disposed;

    private BenchCluster(string directory, LocalClusterServer server, string marker, TimeSpan startTime)
    {
        _directory = directory;
        _server = server;
        Marker = marker;
        StartTime = startTime;
        Connection = KubernetesConnection.FromKubeconfig(server.KubeconfigPath);
        Runs = new(Connection, ApiResource.For(KnownKinds.AgentRun), ResourceSerializer.FromTypeInfo(SympoziumJsonContext.Default.AgentRun));
        Instances = new(Connection, ApiResource.For(KnownKinds.SympoziumInstance), ResourceSerializer.FromTypeInfo(SympoziumJsonContext.Default.SympoziumInstance));
        Jobs = new(Connection, ApiResource.Jobs, ResourceSerializer.FromKubernetesClient<V1Job>());
        Pods = new(Connection, ApiResource.Pods, ResourceSerializer.FromKubernetesClient<V1Pod>());
    }

    public KubernetesConnection Connection { get; }

    public string KubeconfigPath => _server.KubeconfigPath;

    /// <summary>Value of SYMPOZIUM_BENCH_RUN in every stand-in process of this cluster.</summary>
    public string Marker { get; }

    /// <summary>LocalClusterServer.StartAsync to serving.</summary>
    public TimeSpan StartTime { get; }

    public ResourceClient<AgentRun> Runs { get; }

    public ResourceClient<SympoziumInstance> Instances { get; }

    public ResourceClient<V1Job> Jobs { get; }

    public ResourceClient<V1Pod> Pods { get; }

    public static async Task<BenchCluster> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("sympozium-bench-controller-").FullName;
        var marker = "sympozium-bench-" + Guid.NewGuid().ToString("N")[..12];
        var standIn = Path.Combine(AppContext.BaseDirectory, "StandIn");
        var images = Path.Combine(directory, "images.yaml");
        await File.WriteAllTextAsync(images, $"""
            ghcr.io/sympozium-ai/sympozium/agent-runner:
              command: /bin/sh
              args: ["{Path.Combine(standIn, "agent.sh")}"]
              env:
                SYMPOZIUM_BENCH_RUN: "{marker}"
            ghcr.io/sympozium-ai/sympozium/ipc-bridge:
              command: /bin/sh
              args: ["{Path.Combine(standIn, "ipc-bridge.sh")}"]
              env:
                SYMPOZIUM_BENCH_RUN: "{marker}"
            """).ConfigureAwait(false);

        var started = Stopwatch.GetTimestamp();
        // The executable's defaults (save interval, watch window, bookmarks), as `dotnet run` would use.
        var server = await LocalClusterServer.StartAsync(new LocalClusterOptions { Directory = Path.Combine(directory, "cluster"), ImagesFile = images }).ConfigureAwait(false);
        var cluster = new BenchCluster(directory, server, marker, Stopwatch.GetElapsedTime(started));
        await cluster.InstallCrdsAsync().ConfigureAwait(false);
        return cluster;
    }

    /// <summary>The generated CRDs, posted as raw JSON (as `kubectl apply -f crds/` would).</summary>
    private async Task InstallCrdsAsync()
    {
        foreach (var (file, yaml) in CrdSchemas.Manifests())
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", UriKind.Relative))
            {
                Content = new StringContent(YamlJson.Parse(yaml).ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
            };
            using var response = await Connection.SendAsync(request, HttpCompletionOption.ResponseContentRead, CancellationToken.None).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"CRD {file}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync().ConfigureAwait(false)}");
            }
        }
    }

    /// <summary>Stops the kubelet (and with it every container process) and the server; safe to call twice.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Connection.Dispose();
        await _server.DisposeAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
