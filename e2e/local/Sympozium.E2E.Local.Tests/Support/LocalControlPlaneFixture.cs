using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using Sympozium.Install;
using Sympozium.Kubernetes.Client;
using Sympozium.LocalCluster;

namespace Sympozium.E2E.Local.Tests.Support;

/// <summary>
/// The local cluster with the control plane installed as an install does it: crds/ and
/// deploy/control-plane/ applied through the API with the <see cref="LocalClusterProfile"/>. The
/// run path's images run their Native AOT binaries or JIT builds (<see cref="RunPath"/>), the
/// control plane its JIT build, the NATS image the host's nats-server. Ready when NATS, the controller and the webhook Deployments are,
/// and the webhook has written its CA into both webhook configurations.
/// </summary>
public sealed class LocalControlPlaneFixture : IAsyncLifetime
{
    public const string SystemNamespace = "sympozium-system";

    /// <summary>How long the control plane may take to become ready on a loaded machine.</summary>
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromSeconds(120);

    private static readonly string[] Deployments = ["nats", "sympozium-controller", "sympozium-webhook"];

    /// <summary>
    /// TEST ONLY, not part of the install: environment added to the controller Deployment before it
    /// is applied. Agent Jobs live 5 s after they finish (JOB_TTL_SECONDS; the install default is
    /// 300 s), so the suite can watch the local cluster's TTL controller delete them.
    /// </summary>
    public static IReadOnlyDictionary<string, string> TestOnlyControllerEnvironment { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["JOB_TTL_SECONDS"] = "5",
    };

    private readonly string _directory = Directory.CreateTempSubdirectory("sympozium-e2e-local-").FullName;

    public LocalClusterServer Cluster { get; private set; } = null!;

    public KubernetesConnection Connection { get; private set; } = null!;

    public ClusterApi Api { get; private set; } = null!;

    /// <summary>The repository root (crds/, deploy/).</summary>
    public static string RepoRoot => Metadata("RepoRoot");

    public async Task InitializeAsync()
    {
        var images = Path.Combine(_directory, "images.yaml");
        await File.WriteAllTextAsync(images, ImageMap());
        Cluster = await LocalClusterServer.StartAsync(new LocalClusterOptions
        {
            Directory = Path.Combine(_directory, "cluster"),
            ImagesFile = images,
            BookmarkInterval = TimeSpan.FromMilliseconds(500),
        });
        Connection = KubernetesConnection.FromKubeconfig(Cluster.KubeconfigPath);
        Api = new ClusterApi(Connection);

        using var timeout = new CancellationTokenSource(InstallTimeout);
        try
        {
            var profile = new LocalClusterProfile(Connection) { EndpointTimeout = InstallTimeout };
            var applier = new ManifestApplier(Connection);
            foreach (var document in await ControlPlaneManifests.LoadAsync(RepoRoot, Connection, timeout.Token))
            {
                await applier.ApplyAsync(WithTestOnlySettings(await profile.RewriteAsync(document, timeout.Token)), timeout.Token);
            }

            foreach (var name in Deployments)
            {
                await WaitAsync(async () => await Api.GetAsync($"/apis/apps/v1/namespaces/{SystemNamespace}/deployments/{name}") is { } d
                    && d["status"]?["readyReplicas"]?.GetValue<long>() >= d["spec"]?["replicas"]?.GetValue<long>(), timeout.Token);
            }

            foreach (var path in new[] { "validatingwebhookconfigurations/sympozium-webhook", "mutatingwebhookconfigurations/sympozium-mutating-webhook" })
            {
                await WaitAsync(async () => (await Api.GetAsync("/apis/admissionregistration.k8s.io/v1/" + path))?["webhooks"]?[0]?["clientConfig"]?["caBundle"] is not null, timeout.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
            throw new TimeoutException($"the control plane did not become ready within {InstallTimeout.TotalSeconds:0} s ({e.Message})\n{await DescribePodsAsync(SystemNamespace)}", e);
        }
    }

    /// <summary>The controller Deployment with <see cref="TestOnlyControllerEnvironment"/> set; every other document as it is.</summary>
    private static JsonObject WithTestOnlySettings(JsonObject document)
    {
        if (document["kind"]?.ToString() != "Deployment" || document["metadata"]?["name"]?.ToString() != "sympozium-controller")
        {
            return document;
        }

        var container = document["spec"]!["template"]!["spec"]!["containers"]!.AsArray().OfType<JsonObject>().Single(c => c["name"]?.ToString() == "controller");
        var env = container["env"] as JsonArray ?? [];
        container["env"] = env;
        foreach (var (name, value) in TestOnlyControllerEnvironment)
        {
            foreach (var existing in env.OfType<JsonObject>().Where(e => e["name"]?.ToString() == name).ToList())
            {
                env.Remove(existing);
            }

            env.Add(new JsonObject { ["name"] = name, ["value"] = value });
        }

        return document;
    }

    /// <summary>
    /// How this suite runs the run path: SYMPOZIUM_RUN_PATH (aot under make test and CI, whose
    /// scripts/run-tests.sh publishes the binaries first), else the JIT build a plain
    /// <c>dotnet test</c> has just made.
    /// </summary>
    public static RunPathBuild RunPath { get; } = LocalImageMap.FromEnvironment(RunPathBuild.Jit);

    /// <summary>The image map (<see cref="LocalImageMap"/>): the run path per <see cref="RunPath"/>, the control plane's JIT build (AOT with SYMPOZIUM_CONTROL_PLANE=aot, as the benchmarks run it), NATS as the host's nats-server.</summary>
    private static string ImageMap() =>
        LocalImageMap.Render(RepoRoot, RunPath, LocalImageMap.NatsServerExecutable(), controlPlane: LocalImageMap.ControlPlaneFromEnvironment());

    private static string Metadata(string key) =>
        typeof(LocalControlPlaneFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;

    private static async Task WaitAsync(Func<Task<bool>> done, CancellationToken cancellationToken)
    {
        while (!await done())
        {
            await Task.Delay(250, cancellationToken);
        }
    }

    /// <summary>Creates the namespace unless it exists.</summary>
    public async Task EnsureNamespaceAsync(string ns)
    {
        var (status, body) = await Api.CreateAsync("/api/v1/namespaces", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Namespace",
            ["metadata"] = new JsonObject { ["name"] = ns },
        });
        if (status is not (HttpStatusCode.Created or HttpStatusCode.Conflict))
        {
            throw new InvalidOperationException($"namespace {ns}: {(int)status} {body}");
        }
    }

    /// <summary>
    /// Polls <paramref name="probe"/> until it returns a value; on timeout throws with
    /// <paramref name="what"/>, the last thing seen and the pods (with log tails) of
    /// <paramref name="ns"/> and of the control plane.
    /// </summary>
    public async Task<T> WaitForAsync<T>(string ns, string what, TimeSpan timeout, Func<Task<T?>> probe, Func<string>? lastSeen = null)
        where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what}: not within {timeout.TotalSeconds:0} s{(lastSeen is null ? "" : "; last seen: " + lastSeen())}\n"
                    + await DescribePodsAsync(ns) + await DescribePodsAsync(SystemNamespace));
            }

            await Task.Delay(250);
        }
    }

    /// <summary>Every pod of a namespace: phase, container states and the tail of each container's log.</summary>
    public async Task<string> DescribePodsAsync(string ns)
    {
        var text = new StringBuilder($"pods in {ns}:\n");
        try
        {
            foreach (var pod in ((await Api.GetAsync($"/api/v1/namespaces/{ns}/pods"))?["items"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var name = pod["metadata"]?["name"]?.ToString();
                text.Append(CultureInfo.InvariantCulture, $"- {name} {pod["status"]?["phase"]} ip={pod["status"]?["podIP"]}\n");
                foreach (var status in (pod["status"]?["containerStatuses"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    text.Append(CultureInfo.InvariantCulture, $"  {status["name"]}: ready={status["ready"]} restarts={status["restartCount"]} state={status["state"]?.ToJsonString()}\n");
                    var log = await Api.GetTextAsync($"/api/v1/namespaces/{ns}/pods/{name}/log?container={status["name"]}&tailLines=30");
                    text.Append("    ").Append(log.Replace("\n", "\n    ", StringComparison.Ordinal)).Append('\n');
                }
            }
        }
        catch (HttpRequestException e)
        {
            text.Append("(could not read pods: ").Append(e.Message).Append(")\n");
        }

        return text.ToString();
    }

    public async Task DisposeAsync()
    {
        Connection?.Dispose();
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A process of a pod may still be writing its log; the directory is under /tmp.
        }
    }
}
