using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sympozium.Api.WellKnown;
using Sympozium.EventBus;
using Sympozium.Testing;
using Sympozium.Testing.Probes;
using Xunit.Abstractions;

namespace Sympozium.IpcBridge.Tests;

/// <summary>
/// One agent pod's worth of world: a nats-server of its own (so counts by subject belong to
/// this test alone), a temporary SYMPOZIUM_ROOT with /ipc, and a run id.
/// </summary>
internal sealed class BridgeScenario : IAsyncDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly List<BridgeProcess> _bridges = [];

    private BridgeScenario(NatsServer nats, JetStreamProbe probe, string root, ITestOutputHelper output)
    {
        Nats = nats;
        Probe = probe;
        Root = root;
        _output = output;
    }

    public NatsServer Nats { get; }

    public JetStreamProbe Probe { get; }

    public string Root { get; }

    public string Ipc => Path.Combine(Root, "ipc");

    public string RunId { get; } = "run-" + Guid.NewGuid().ToString("N")[..8];

    public static async Task<BridgeScenario> StartAsync(ITestOutputHelper output)
    {
        var nats = await NatsServer.StartAsync();
        var probe = await JetStreamProbe.ConnectAsync(nats.Url);
        var root = Directory.CreateTempSubdirectory("sympozium-bridge-").FullName;
        return new BridgeScenario(nats, probe, root, output);
    }

    /// <summary>The environment the controller gives the ipc-bridge container, pointed at this scenario.</summary>
    public Dictionary<string, string?> Environment() => new()
    {
        ["AGENT_RUN_ID"] = RunId,
        ["INSTANCE_NAME"] = "alice",
        ["AGENT_NAMESPACE"] = "team-a",
        ["EVENT_BUS_URL"] = Nats.Url,
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

    public Task<long> CountAsync(string topic) => Probe.CountAsync(NatsSubjects.Subject(topic));

    public async Task<IReadOnlyList<StoredEvent>> ReadAsync(string topic) => await Probe.ReadAsync(NatsSubjects.Subject(topic));

    /// <summary>A bus client as another component (controller, web proxy) would hold.</summary>
    public Task<NatsEventBus> ConnectBusAsync() =>
        NatsEventBus.ConnectAsync(EventBusOptions.Default with { Url = Nats.Url, ConnectTimeout = TimeSpan.FromSeconds(10) });

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
        await Nats.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
