using Sympozium.Api.Kinds;
using Sympozium.Api.Serialization;
using Sympozium.Api.Validation;
using Sympozium.Kubernetes.Client;
using Sympozium.LocalCluster;

namespace Sympozium.Kubernetes.Tests;

/// <summary>A local cluster (real HTTPS API server) per test class, with our CRDs applied.</summary>
public abstract class ClusterTestBase : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sympozium-k8s-tests-").FullName;

    protected LocalClusterServer Server { get; private set; } = null!;

    protected KubernetesConnection Connection { get; private set; } = null!;

    /// <summary>Events the API server keeps for watches (small so tests can make versions expire).</summary>
    protected virtual int WatchWindow => 10_000;

    public async Task InitializeAsync()
    {
        Server = await LocalClusterServer.StartAsync(new LocalClusterOptions
        {
            Directory = _directory,
            BookmarkInterval = TimeSpan.FromMilliseconds(200),
            SaveInterval = TimeSpan.FromMilliseconds(200),
            WatchWindow = WatchWindow,
        });
        Connection = KubernetesConnection.FromKubeconfig(Server.KubeconfigPath);
        foreach (var (_, yaml) in CrdSchemas.Manifests())
        {
            // Raw JSON: KubernetesClient's model cannot carry CRD schema defaults under its source-generated context.
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", UriKind.Relative))
            {
                Content = new StringContent(YamlJson.Parse(yaml).ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
            };
            using var response = await Connection.SendAsync(request, HttpCompletionOption.ResponseContentRead, CancellationToken.None);
            response.EnsureSuccessStatusCode();
        }
    }

    public async Task DisposeAsync()
    {
        Connection.Dispose();
        await Server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    protected ResourceClient<AgentRun> Runs() =>
        new(Connection, ApiResource.For(KnownKinds.AgentRun), ResourceSerializer.FromTypeInfo(SympoziumJsonContext.Default.AgentRun));

    protected static AgentRun NewRun(string name, string ns = "default") => new()
    {
        Metadata = { Name = name, Namespace = ns },
        Spec = new AgentRunSpec { InstanceRef = "alice", AgentId = "primary", Task = "t-" + name, Model = new ModelSpec { Provider = "openai", Model = "gpt-4o" } },
    };
}
