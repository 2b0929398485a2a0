using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sympozium.Api.WellKnown;
using Sympozium.EventBus;
using Sympozium.EventBus.Tests;
using Sympozium.Testing;
using Sympozium.Testing.Probes;
using Xunit.Abstractions;

namespace Sympozium.IpcBridge.Tests;

/// <summary>
/// One agent pod's worth of world: a nats-server of its own (so counts by subject belong to
/// this test alone) in operator mode as the cluster runs it, the run's own credentials (as the
/// controller mints them) in a credentials file, a temporary SYMPOZIUM_ROOT with /ipc, and a
/// run id and uid. The stream is created with the controller's credentials, as in a cluster.
/// </summary>
internal sealed class BridgeScenario : IAsyncDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly List<BridgeProcess> _bridges = [];

    private BridgeScenario(SecuredNats secured, JetStreamProbe probe, string root, ITestOutputHelper output)
    {
        Secured = secured;
        Probe = probe;
        Root = root;
        _output = output;
        Credentials = secured.WriteCredsFile(secured.Issuer.Issue("run " + Namespace + "/" + RunId, Sympozium.EventBus.Credentials.NatsPermissions.ForRun(Namespace, RunUid), TimeSpan.FromHours(1)));
    }

    public const string Namespace = "team-a";

    public SecuredNats Secured { get; }

    public NatsServer Nats => Secured.Server;

    /// <summary>The run's credentials file.</summary>
    public string Credentials { get; }

    public string RunUid { get; } = Guid.NewGuid().ToString();

    public JetStreamProbe Probe { get; }

    public string Root { get; }

    public string Ipc => Path.Combine(Root, "ipc");

    public string RunId { get; } = "run-" + Guid.NewGuid().ToString("N")[..8];

    public static async Task<BridgeScenario> StartAsync(ITestOutputHelper output)
    {
        var secured = await SecuredNats.StartAsync();
        var controller = secured.Controller();
        await using (await NatsEventBus.ConnectAsync(secured.Options(controller, manageStream: true)))
        {
            // The controller owns the stream; the bridge never creates it.
        }

        var probe = await JetStreamProbe.ConnectAsync(secured.Url, SecuredNats.Auth(controller), controller.InboxPrefix);
        var root = Directory.CreateTempSubdirectory("sympozium-bridge-").FullName;
        return new BridgeScenario(secured, probe, root, output);
    }

    /// <summary>The environment the controller gives the ipc-bridge container, pointed at this scenario.</summary>
    public Dictionary<string, string?> Environment() => new()
    {
        ["AGENT_RUN_ID"] = RunId,
        ["INSTANCE_NAME"] = "alice",
        ["AGENT_NAMESPACE"] = Namespace,
        ["AGENT_RUN_UID"] = RunUid,
        ["EVENT_BUS_URL"] = Nats.Url,
        ["NATS_CREDS"] = Credentials,
        ["NATS_INBOX_PREFIX"] = "_INBOX.run-" + RunUid,
        ["EVENT_BUS_MANAGE_STREAM"] = "false",
        ["SYMPOZIUM_ROOT"] = Root,
    };

    public BridgeProcess StartBridge(Action<Dictionary<string, string?>>? change = null)
    {
        var environment = Environment();
        change?.Invoke(environment);
        var bridge = BridgeProcess.Start(environment, _output);
        _bridges.Add(bridge);
        return bridge;
    }

    /// <summary>Writes a file the way agents must: a temp file renamed into place.</summary>
    public void WriteAtomically(string relativePath, string content)
    {
        var path = Path.Combine(Ipc, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + ".tmp";
        File.WriteAllText(temp, content);
        File.Move(temp, path);
    }

    /// <summary>The agent's last step: <c>/ipc/done</c>.</summary>
    public void WriteDone() => WriteAtomically("done", "done");

    /// <summary>The subject this run's bridge publishes <paramref name="topic"/> on.</summary>
    public string Subject(string topic) => NatsSubjects.FromRun(Namespace, RunUid, topic);

    /// <summary>The subject <paramref name="topic"/> reaches this run on.</summary>
    public string InboundSubject(string topic) => NatsSubjects.ToRun(Namespace, RunUid, topic);

    public Task<long> CountAsync(string topic) => Probe.CountAsync(Subject(topic));

    public async Task<IReadOnlyList<StoredEvent>> ReadAsync(string topic) => await Probe.ReadAsync(Subject(topic));

    /// <summary>A bus client as the controller holds it.</summary>
    public Task<NatsEventBus> ConnectBusAsync() =>
        NatsEventBus.ConnectAsync(Secured.Options(Secured.Controller(), manageStream: true) with { ConnectTimeout = TimeSpan.FromSeconds(10) });

    /// <summary>Publishes <paramref name="topic"/> to this run (or, with <paramref name="runUid"/>, to another).</summary>
    public Task<PublishResult> PublishToRunAsync(NatsEventBus bus, string topic, JsonElement data, string? runUid = null) =>
        bus.PublishAsync(EventEnvelope.Create(topic, null, data) with { Subject = NatsSubjects.ToRun(Namespace, runUid ?? RunUid, topic) });

    public static bool SameJson(string expected, JsonElement actual) =>
        JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual.GetRawText()));

    public static bool SameJson(string expected, byte[] actual) =>
        JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(Encoding.UTF8.GetString(actual)));

    public async ValueTask DisposeAsync()
    {
        foreach (var bridge in _bridges)
        {
            await bridge.DisposeAsync();
        }

        await Probe.DisposeAsync();
        await Secured.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
