using System.Text.Json;
using System.Text.Json.Nodes;
using Sympozium.Api.WellKnown;
using Sympozium.EventBus;
using Sympozium.EventBus.Credentials;
using Sympozium.EventBus.Tests;
using Sympozium.Testing;
using Sympozium.Testing.Probes;
using Xunit.Abstractions;

namespace Sympozium.Channels.Tests;

/// <summary>
/// One channel pod's world: a nats-server of its own (so counts by subject belong to this test
/// alone) in operator mode as the cluster runs it, a publisher playing the controller's channel
/// router (with the controller's credentials), and the channel processes started, each with the
/// credentials the controller mints for its instance and channel type.
/// The pod serves instance <see cref="Instance"/> in namespace <see cref="Namespace"/>.
/// </summary>
internal sealed class ChannelScenario : IAsyncDisposable
{
    public const string Instance = "alice";
    public const string Namespace = "team-a";

    private readonly ITestOutputHelper _output;
    private readonly List<ChannelProcess> _processes = [];

    private ChannelScenario(SecuredNats secured, JetStreamProbe probe, NatsEventBus bus, ITestOutputHelper output)
    {
        Secured = secured;
        Probe = probe;
        Bus = bus;
        _output = output;
    }

    public static TimeSpan Wait { get; } = TimeSpan.FromSeconds(20);

    public SecuredNats Secured { get; }

    public NatsServer Nats => Secured.Server;

    public JetStreamProbe Probe { get; }

    /// <summary>The test's own bus connection (the controller's role).</summary>
    public NatsEventBus Bus { get; }

    public static async Task<ChannelScenario> StartAsync(ITestOutputHelper output)
    {
        var secured = await SecuredNats.StartAsync();
        var controller = secured.Controller();
        var probe = await JetStreamProbe.ConnectAsync(secured.Url, SecuredNats.Auth(controller), controller.InboxPrefix);
        var bus = await NatsEventBus.ConnectAsync(secured.Options(controller, manageStream: true));
        return new ChannelScenario(secured, probe, bus, output);
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
        var process = ChannelProcess.Start(channel, WithCredentials(channel, environment), _output);
        _processes.Add(process);
        return process;
    }

    /// <summary>
    /// Adds the credentials the controller mints for the pod's instance and channel type
    /// (<c>Telegram</c> → <c>telegram</c>), unless the test set its own.
    /// </summary>
    public Dictionary<string, string?> WithCredentials(string channel, Dictionary<string, string?> environment)
    {
        if (!environment.ContainsKey("NATS_CREDS"))
        {
            var ns = environment.GetValueOrDefault("POD_NAMESPACE") ?? Namespace;
            var instance = environment.GetValueOrDefault("INSTANCE_NAME") ?? Instance;
            var type = channel.ToLowerInvariant();
            var credentials = Secured.Issuer.Issue($"channel {type} {ns}/{instance}", NatsPermissions.ForChannel(ns, instance, type), null);
            environment["NATS_CREDS"] = Secured.WriteCredsFile(credentials);
            environment["NATS_INBOX_PREFIX"] = credentials.InboxPrefix;
            environment["EVENT_BUS_MANAGE_STREAM"] = "false";
        }

        return environment;
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
        var subject = NatsSubjects.ToChannel(ns, instance, metadata[NatsSubjects.Metadata.Channel], NatsSubjects.ChannelMessageSend);
        return Bus.PublishAsync(EventEnvelope.Create(NatsSubjects.ChannelMessageSend, metadata, document.RootElement.Clone()) with { Subject = subject }, messageId);
    }

    /// <summary>Everything stored on <c>channel.message.received</c>, oldest first.</summary>
    public Task<IReadOnlyList<StoredEvent>> ReceivedAsync() => Probe.ReadAsync(NatsSubjects.FromAnyChannel(NatsSubjects.ChannelMessageReceived));

    /// <summary>Waits until <paramref name="count"/> inbound messages are stored, then returns them all.</summary>
    public async Task<IReadOnlyList<StoredEvent>> WaitForReceivedAsync(int count)
    {
        await Probe.WaitForCountAsync(NatsSubjects.FromAnyChannel(NatsSubjects.ChannelMessageReceived), count, Wait);
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
        await Secured.DisposeAsync();
    }
}
