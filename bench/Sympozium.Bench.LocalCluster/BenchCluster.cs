using System.Diagnostics;
using k8s.Models;
using Sympozium.Kubernetes.Client;
using Sympozium.LocalCluster;

namespace Sympozium.Bench.LocalCluster;

/// <summary>
/// The cluster under test: started in-process in a temp directory (server, kubelet and benchmark
/// then share one process and its cores), or a running one reached through its kubeconfig.
/// Either way every request goes over HTTPS with the kubeconfig's bearer token.
/// </summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    private static readonly ApiResource Namespaces = new("", "v1", "namespaces", "Namespace", Namespaced: false);

    private readonly LocalClusterServer? _server;
    private readonly List<string> _namespaces = [];

    private BenchCluster(KubernetesConnection connection, LocalClusterServer? server, string description, TimeSpan startTime)
    {
        Connection = connection;
        _server = server;
        Description = description;
        StartTime = startTime;
    }

    public KubernetesConnection Connection { get; }

    public bool InProcess => _server is not null;

    public string Description { get; }

    /// <summary>LocalClusterServer.StartAsync to serving (in-process only).</summary>
    public TimeSpan StartTime { get; }

    public static async Task<BenchCluster> StartAsync(string? externalKubeconfig)
    {
        if (externalKubeconfig is not null)
        {
            return new BenchCluster(KubernetesConnection.FromKubeconfig(externalKubeconfig), null, $"external ({externalKubeconfig})", TimeSpan.Zero);
        }

        var directory = Directory.CreateTempSubdirectory("sympozium-bench-cluster-").FullName;
        var started = Stopwatch.GetTimestamp();
        // The executable's defaults (save interval, watch window, bookmarks), as `dotnet run` would use.
        var server = await LocalClusterServer.StartAsync(new LocalClusterOptions { Directory = directory }).ConfigureAwait(false);
        var startTime = Stopwatch.GetElapsedTime(started);
        return new BenchCluster(KubernetesConnection.FromKubeconfig(server.KubeconfigPath), server, $"in-process ({directory})", startTime);
    }

    public ResourceClient<T> Client<T>(ApiResource resource)
        where T : class => new(Connection, resource, ResourceSerializer.FromKubernetesClient<T>());

    /// <summary>Creates a namespace that <see cref="DisposeAsync"/> deletes (with its contents).</summary>
    public async Task<string> CreateNamespaceAsync(string name)
    {
        await Client<V1Namespace>(Namespaces).CreateAsync(null, new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = name } }).ConfigureAwait(false);
        _namespaces.Add(name);
        return name;
    }

    /// <summary>Deletes a namespace and its contents now; returns how long the DELETE took.</summary>
    public async Task<TimeSpan> DeleteNamespaceAsync(string name)
    {
        var started = Stopwatch.GetTimestamp();
        await Client<V1Namespace>(Namespaces).DeleteAsync(null, name).ConfigureAwait(false);
        _namespaces.Remove(name);
        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>The HTTP version the client negotiated with the API server (ALPN).</summary>
    public async Task<Version> ProtocolAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v1/namespaces/default", UriKind.Relative));
        using var response = await Connection.SendAsync(request, HttpCompletionOption.ResponseContentRead, CancellationToken.None).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        return response.Version;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var ns in _namespaces.ToList())
        {
            try
            {
                await DeleteNamespaceAsync(ns).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or KubernetesApiException)
            {
                Report.Progress($"could not delete namespace {ns}: {e.Message}");
            }
        }

        Connection.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
            try
            {
                Directory.Delete(_server.Options.Directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
