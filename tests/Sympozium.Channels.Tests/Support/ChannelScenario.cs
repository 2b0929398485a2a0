using System.Text.Json;
using System.Text.Json.Nodes;
using Sympozium.Api.WellKnown;
using Sympozium.EventBus;
using Sympozium.Testing;
using Sympozium.Testing.Probes;
using Xunit.Abstractions;

namespace Sympozium.Channels.Tests;

/// <summary>
/// One channel pod's world: a nats-server of its own (so counts by subject belong to this test
/// alone), a publisher playing the controller's channel router, and the channel processes started.
/// The pod serves instance <see cref="Instance"/> in namespace <see cref="Namespace"/>.
/// </summary>
internal sealed class ChannelScenario : IAsyncDisposable
{
    public const string Instance = "alice";
    public const string Namespace = "team-a";

    private readonly ITestOutputHelper _output;
    private readonly List<ChannelProcess> _processes = [];

    private ChannelScenario(NatsServer nats, JetStreamProbe probe, NatsEventBus bus, ITestOutputHelper output)
    {
        Nats = nats;
        Probe = probe;
        Bus = bus;
        _output = output;
    }

    public static TimeSpan Wait { get; } = TimeSpan.FromSeconds(20);

    public NatsServer Nats { get; }

    public JetStreamProbe Probe { get; }

    /// <summary>The test's own bus connection (the controller's role).</summary>
    public NatsEventBus Bus { get; }

    public static async Task<ChannelScenario> StartAsync(ITestOutputHelper output)
    {
        var nats = await NatsServer.StartAsync();
        var probe = await JetStreamProbe.ConnectAsync(nats.Url);
        var bus = await NatsEventBus.ConnectAsync(EventBusOptions.Default with { Url = nats.Url });
        return new ChannelScenario(nats, probe, bus, output);
    }

    /// <summary>The environment the controller gives the channel container, pointed at this scenario.</summary>
    public Dictionary<string, string?> Environment(int healthPort) => new()
    {
        ["INSTANCE_NAME"] = Instance,
        ["POD_NAMESPACE"] = Namespace,
        ["POD_IP"] = "127.0.0.1",
        ["HEALTH_PORT"] = healthPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["EVENT_BUS_URL"] = Nats.Url,
    };

    public ChannelProcess Start(string channel, Dictionary<string, string?> environment)
    {
        var process = ChannelProcess.Start(channel, environment, _output);
        _processes.Add(process);
        return process;
    }

    /// <summary>Publishes <c>channel.message.send</c> as the channel router does.</summary>
    public Task PublishSendAsync(JsonObject data, string instance = Instance, string ns = Namespace, string? messageId = null)
    {
        var metadata = new Dictionary<string, string>
        {
            [NatsSubjects.Metadata.InstanceName] = instance,
            [NatsSubjects.Metadata.Namespace] = ns,
            [NatsSubjects.Metadata.Channel] = data["channel"]?.ToString() ?? "",
        };
        using var document = JsonDocument.Parse(data.ToJsonString());
        return Bus.PublishAsync(EventEnvelope.Create(NatsSubjects.ChannelMessageSend, metadata, document.RootElement.Clone()), messageId);
    }

    /// <summary>Everything stored on <c>channel.message.received</c>, oldest first.</summary>
    public Task<IReadOnlyList<StoredEvent>> ReceivedAsync() => Probe.ReadAsync(NatsSubjects.Subject(NatsSubjects.ChannelMessageReceived));

    /// <summary>Waits until <paramref name="count"/> inbound messages are stored, then returns them all.</summary>
    public async Task<IReadOnlyList<StoredEvent>> WaitForReceivedAsync(int count)
    {
        await Probe.WaitForCountAsync(NatsSubjects.Subject(NatsSubjects.ChannelMessageReceived), count, Wait);
        return await ReceivedAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        await Bus.DisposeAsync();
        await Probe.DisposeAsync();
        await Nats.DisposeAsync();
    }
}
