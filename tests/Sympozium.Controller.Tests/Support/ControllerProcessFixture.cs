using System.Collections.Concurrent;
using System.Diagnostics;
using Sympozium.Api.Serialization;
using Sympozium.Api.Validation;
using Sympozium.Controller.Reconcilers;
using Sympozium.Kubernetes.Client;
using Sympozium.LocalCluster;
using Sympozium.Testing;

namespace Sympozium.Controller.Tests.Support;

/// <summary>
/// The local cluster with our CRDs, a real nats-server, and the real controller executable as a
/// separate process (its build next to these tests), configured through its environment exactly as
/// the Deployment configures it. Agent and ipc-bridge images map to the stand-in scripts in StandIn/.
/// </summary>
public sealed class ControllerProcessFixture : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sympozium-controller-e2e-").FullName;
    private readonly ConcurrentQueue<string> _log = new();
    private Process? _controller;

    public LocalClusterServer Cluster { get; private set; } = null!;

    public KubernetesConnection Connection { get; private set; } = null!;

    public Clients Clients { get; private set; } = null!;

    public NatsServer Nats { get; private set; } = null!;

    /// <summary>Everything every controller process of this fixture printed.</summary>
    public string ControllerLog => string.Join('\n', _log);

    /// <summary>The controller's build output (see the test project).</summary>
    public static string ControllerAssembly =>
        typeof(ControllerProcessFixture).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "ControllerAssembly").Value!;

    /// <summary>Where the controller serves /healthz and /readyz.</summary>
    public int HealthPort { get; } = TestPorts.GetFreeTcpPort();

    /// <summary>GET /readyz: the status code and body.</summary>
    public async Task<(int Status, string Body)> ReadinessAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{HealthPort}/readyz"));
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }
        catch (HttpRequestException e)
        {
            return (0, e.Message);
        }
    }

    /// <summary>How many controller processes were started.</summary>
    public int Starts { get; private set; }

    public async Task InitializeAsync()
    {
        var standIn = Path.Combine(AppContext.BaseDirectory, "StandIn");
        var images = Path.Combine(_directory, "images.yaml");
        await File.WriteAllTextAsync(images, $"""
            ghcr.io/sympozium-ai/sympozium/agent-runner:
              command: /bin/sh
              args: ["{Path.Combine(standIn, "agent.sh")}"]
            ghcr.io/sympozium-ai/sympozium/ipc-bridge:
              command: /bin/sh
              args: ["{Path.Combine(standIn, "ipc-bridge.sh")}"]
            """);
        Cluster = await LocalClusterServer.StartAsync(new LocalClusterOptions
        {
            Directory = Path.Combine(_directory, "cluster"),
            ImagesFile = images,
            BookmarkInterval = TimeSpan.FromMilliseconds(500),
        });
        Connection = KubernetesConnection.FromKubeconfig(Cluster.KubeconfigPath);
        Clients = new Clients(Connection);
        foreach (var (_, yaml) in CrdSchemas.Manifests())
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", UriKind.Relative))
            {
                Content = new StringContent(YamlJson.Parse(yaml).ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
            };
            using var response = await Connection.SendAsync(request, HttpCompletionOption.ResponseContentRead, CancellationToken.None);
            response.EnsureSuccessStatusCode();
        }

        Nats = await NatsServer.StartAsync();
        StartController();
    }

    /// <summary>Starts a controller process (the previous one must have been stopped).</summary>
    public void StartController()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(ControllerAssembly);
        start.Environment["KUBECONFIG"] = Cluster.KubeconfigPath;
        start.Environment["POD_NAMESPACE"] = "default";
        start.Environment["NATS_URL"] = Nats.Url;
        start.Environment["EVENT_BUS_URL"] = Nats.Url;
        start.Environment["MAX_RUN_HISTORY"] = "100";
        start.Environment["CONTROLLER_WORKERS"] = "4";
        start.Environment["HEALTH_PORT"] = HealthPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["Logging__LogLevel__Default"] = "Information";
        var process = new Process { StartInfo = start };
        var number = ++Starts;
        process.OutputDataReceived += (_, e) => Append(number, e.Data);
        process.ErrorDataReceived += (_, e) => Append(number, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _controller = process;
    }

    /// <summary>Kills the controller at once (SIGKILL), as a crash would.</summary>
    public async Task KillControllerAsync()
    {
        if (_controller is { } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
            _controller = null;
        }
    }

    private void Append(int process, string? line)
    {
        if (line is not null)
        {
            _log.Enqueue($"[controller #{process}] {line}");
        }
    }

    /// <summary>Polls <paramref name="read"/> until <paramref name="done"/> holds; fails naming <paramref name="what"/> with the controller log.</summary>
    public async Task<T> EventuallyAsync<T>(Func<Task<T?>> read, Func<T, bool> done, string what, TimeSpan? timeout = null)
        where T : class
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(45));
        T? last = null;
        while (true)
        {
            last = await read() ?? last;
            if (last is not null && done(last))
            {
                return last;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting until {what}; last seen: {Describe(last)}\ncontroller log (tail):\n{Tail(ControllerLog, 40)}");
            }

            await Task.Delay(100);
        }
    }

    private static string Describe(object? value) => value switch
    {
        null => "nothing",
        Api.Kinds.AgentRun run => System.Text.Json.JsonSerializer.Serialize(run.Status, SympoziumJsonContext.Default.AgentRunStatus!),
        _ => value.ToString() ?? "",
    };

    private static string Tail(string text, int lines) => string.Join('\n', text.Split('\n').TakeLast(lines));

    public async Task DisposeAsync()
    {
        await KillControllerAsync();
        Connection?.Dispose();
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }

        if (Nats is not null)
        {
            await Nats.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }
}
