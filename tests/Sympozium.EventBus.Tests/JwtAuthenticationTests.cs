using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Sympozium.Api.WellKnown;
using Sympozium.EventBus.Credentials;
using Sympozium.Testing.Probes;
using Xunit.Abstractions;

namespace Sympozium.EventBus.Tests;

/// <summary>
/// Decentralized JWT authentication against a real nats-server configured as the cluster's:
/// each credential can publish and read only its own scope (docs/design/event-bus.md#credentials).
/// Named after the attack each one stops.
/// </summary>
public sealed class JwtAuthenticationTests(ITestOutputHelper output)
{
    private const string Ns = "team-a";
    private const string RunUid = "6f1c2a9e-0000-4000-8000-000000000001";
    private const string OtherRunUid = "6f1c2a9e-0000-4000-8000-000000000002";

    [Fact]
    public async Task An_anonymous_client_is_refused()
    {
        await using var nats = await SecuredNats.StartAsync();

        var error = await Assert.ThrowsAsync<EventBusUnavailableException>(() => TestBus.ConnectAsync(nats.Url, output, o => o with { ConnectTimeout = TimeSpan.FromSeconds(2) }));

        Assert.Contains("Authorization Violation", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Credentials_signed_by_another_installation_are_refused()
    {
        await using var nats = await SecuredNats.StartAsync();
        var stranger = NatsTrust.Generate().Issuer().Issue("stranger", NatsPermissions.ForController(), null);

        await Assert.ThrowsAsync<EventBusUnavailableException>(() => NatsEventBus.ConnectAsync(nats.Options(stranger) with { ConnectTimeout = TimeSpan.FromSeconds(2) }));
    }

    [Fact]
    public async Task Expired_run_credentials_are_refused()
    {
        await using var nats = await SecuredNats.StartAsync();
        var expired = nats.Issuer.Issue("run", NatsPermissions.ForRun(Ns, RunUid), TimeSpan.FromSeconds(-5));

        await Assert.ThrowsAsync<EventBusUnavailableException>(() => NatsEventBus.ConnectAsync(nats.Options(expired) with { ConnectTimeout = TimeSpan.FromSeconds(2) }));
    }

    [Fact]
    public async Task A_run_publishes_its_own_events_and_reads_what_is_addressed_to_it_from_a_credentials_file()
    {
        await using var nats = await SecuredNats.StartAsync();
        await using var controller = await NatsEventBus.ConnectAsync(nats.Options(nats.Controller(), manageStream: true));
        var run = nats.Issuer.Issue("run", NatsPermissions.ForRun(Ns, RunUid), TimeSpan.FromMinutes(5));
        await using var bridge = await NatsEventBus.ConnectAsync(EventBusOptions.Default with
        {
            Url = nats.Url,
            CredentialsFile = nats.WriteCredsFile(run),
            InboxPrefix = run.InboxPrefix,
            ManageStream = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        });

        await bridge.PublishAsync(EventEnvelope.Create(NatsSubjects.AgentRunCompleted, null, TestBus.Json("{}")) with { Subject = NatsSubjects.FromRun(Ns, RunUid, NatsSubjects.AgentRunCompleted) }, "done");

        var followups = new List<string>();
        await using var subscription = bridge.Subscribe(
            TestBus.Durable(NatsConsumers.RunFollowups(RunUid), NatsSubjects.ToRun(Ns, RunUid, NatsSubjects.AgentFollowup)),
            (received, _) =>
            {
                lock (followups)
                {
                    followups.Add(received.Envelope.Data.GetRawText());
                }

                return ValueTask.CompletedTask;
            });
        await subscription.Ready.WaitAsync(TimeSpan.FromSeconds(10));
        await controller.PublishAsync(EventEnvelope.Create(NatsSubjects.AgentFollowup, null, TestBus.Json("\"more please\"")) with { Subject = NatsSubjects.ToRun(Ns, RunUid, NatsSubjects.AgentFollowup) });

        await TestBus.WaitUntilAsync(() => { lock (followups) { return followups.Count == 1; } }, TimeSpan.FromSeconds(10), "the follow-up");
        await using var probe = await ProbeAsync(nats);
        Assert.Equal(1, await probe.CountAsync(NatsSubjects.FromRun(Ns, RunUid, NatsSubjects.AgentRunCompleted)));
        Assert.Equal("\"more please\"", followups[0]);
    }

    [Fact]
    public async Task A_run_credential_cannot_publish_a_channel_message_for_another_tenant()
    {
        await using var nats = await SecuredNats.StartAsync();
        await using var controller = await NatsEventBus.ConnectAsync(nats.Options(nats.Controller(), manageStream: true));
        await using var bridge = await NatsEventBus.ConnectAsync(nats.Options(nats.Issuer.Issue("run", NatsPermissions.ForRun(Ns, RunUid), TimeSpan.FromMinutes(5))) with { RequestTimeout = TimeSpan.FromSeconds(1) });

        string[] forged =
        [
            NatsSubjects.FromChannel("team-b", "assistant", "telegram", NatsSubjects.ChannelMessageReceived),
            NatsSubjects.Subject(NatsSubjects.ChannelMessageReceived),
            NatsSubjects.FromRun(Ns, OtherRunUid, NatsSubjects.AgentRunCompleted),
            NatsSubjects.ToChannel("team-b", "assistant", "telegram", NatsSubjects.ChannelMessageSend),
        ];
        foreach (var subject in forged)
        {
            var envelope = EventEnvelope.Create(NatsSubjects.ChannelMessageReceived, null, TestBus.Json("""{"text":"forged"}""")) with { Subject = subject };
            await Assert.ThrowsAsync<EventBusPublishException>(() => bridge.PublishAsync(envelope));
        }

        await using var probe = await ProbeAsync(nats);
        foreach (var subject in forged)
        {
            Assert.Equal(0, await probe.CountAsync(subject));
        }
    }

    [Fact]
    public async Task A_run_credential_cannot_open_a_consumer_that_reads_other_runs_or_chats()
    {
        await using var nats = await SecuredNats.StartAsync();
        await using var controller = await NatsEventBus.ConnectAsync(nats.Options(nats.Controller(), manageStream: true));
        var run = nats.Issuer.Issue("run", NatsPermissions.ForRun(Ns, RunUid), TimeSpan.FromMinutes(5));
        await using var connection = new NatsConnection(NatsOpts.Default with { Url = nats.Url, AuthOpts = SecuredNats.Auth(run), InboxPrefix = run.InboxPrefix, RequestTimeout = TimeSpan.FromSeconds(2) });
        await connection.ConnectAsync();
        var js = new NatsJSContext(connection);

        // Its own consumer name, but every event of the stream; another run's follow-ups; every
        // chat's replies under a made-up name; the same name through the unfiltered create API.
        ConsumerConfig[] attempts =
        [
            new(NatsConsumers.RunFollowups(RunUid)) { DurableName = NatsConsumers.RunFollowups(RunUid), FilterSubject = NatsSubjects.All },
            new(NatsConsumers.RunFollowups(RunUid)) { DurableName = NatsConsumers.RunFollowups(RunUid), FilterSubject = NatsSubjects.ToRun(Ns, OtherRunUid, NatsSubjects.AgentFollowup) },
            new("spy") { DurableName = "spy", FilterSubject = NatsSubjects.FromAnyChannel(NatsSubjects.ChannelMessageReceived) },
            new(NatsConsumers.RunFollowups(RunUid)) { DurableName = NatsConsumers.RunFollowups(RunUid) },
        ];
        foreach (var config in attempts)
        {
            await Assert.ThrowsAnyAsync<Exception>(async () => await js.CreateOrUpdateConsumerAsync(NatsSubjects.Stream, config));
        }

        await using var probe = await ProbeAsync(nats);
        var names = new List<string>();
        await foreach (var name in probe.JetStream.ListConsumerNamesAsync(NatsSubjects.Stream))
        {
            names.Add(name);
        }

        Assert.Empty(names);
    }

    [Fact]
    public async Task A_channel_credential_publishes_only_its_own_instances_messages_and_reads_only_its_own_replies()
    {
        await using var nats = await SecuredNats.StartAsync();
        await using var controller = await NatsEventBus.ConnectAsync(nats.Options(nats.Controller(), manageStream: true));
        await using var channel = await NatsEventBus.ConnectAsync(nats.Options(nats.Issuer.Issue("channel", NatsPermissions.ForChannel(Ns, "assistant", "telegram"), null)) with { RequestTimeout = TimeSpan.FromSeconds(1) });

        await channel.PublishAsync(Received() with { Subject = NatsSubjects.FromChannel(Ns, "assistant", "telegram", NatsSubjects.ChannelMessageReceived) });
        await Assert.ThrowsAsync<EventBusPublishException>(() => channel.PublishAsync(Received() with { Subject = NatsSubjects.FromChannel(Ns, "other", "telegram", NatsSubjects.ChannelMessageReceived) }));
        await Assert.ThrowsAsync<EventBusPublishException>(() => channel.PublishAsync(Received() with { Subject = NatsSubjects.FromRun(Ns, RunUid, NatsSubjects.AgentRunCompleted) }));

        var replies = 0;
        await using var own = channel.Subscribe(
            TestBus.Durable(NatsConsumers.ChannelOutbound(Ns, "assistant", "telegram"), NatsSubjects.ToChannel(Ns, "assistant", "telegram", NatsSubjects.ChannelMessageSend)),
            (_, _) =>
            {
                Interlocked.Increment(ref replies);
                return ValueTask.CompletedTask;
            });
        await own.Ready.WaitAsync(TimeSpan.FromSeconds(10));
        await controller.PublishAsync(EventEnvelope.Create(NatsSubjects.ChannelMessageSend, null, TestBus.Json("{}")) with { Subject = NatsSubjects.ToChannel(Ns, "assistant", "telegram", NatsSubjects.ChannelMessageSend) });
        await TestBus.WaitUntilAsync(() => Volatile.Read(ref replies) == 1, TimeSpan.FromSeconds(10), "the reply");

        await using var probe = await ProbeAsync(nats);
        Assert.Equal(1, await probe.CountAsync(NatsSubjects.FromChannel(Ns, "assistant", "telegram", NatsSubjects.ChannelMessageReceived)));
        Assert.Equal(0, await probe.CountAsync(NatsSubjects.FromChannel(Ns, "other", "telegram", NatsSubjects.ChannelMessageReceived)));

        static EventEnvelope Received() => EventEnvelope.Create(NatsSubjects.ChannelMessageReceived, null, TestBus.Json("""{"text":"hi"}"""));
    }

    [Fact]
    public async Task Stream_is_bounded_in_bytes_and_message_size()
    {
        await using var nats = await SecuredNats.StartAsync();
        await using var controller = await NatsEventBus.ConnectAsync(nats.Options(nats.Controller(), manageStream: true));
        await using var probe = await ProbeAsync(nats);

        var stream = await probe.JetStream.GetStreamAsync(NatsSubjects.Stream);

        Assert.Equal(controller.Options.StreamMaxBytes, stream.Info.Config.MaxBytes);
        Assert.Equal(controller.Options.StreamMaxMessageSize, stream.Info.Config.MaxMsgSize);
        Assert.Equal(TimeSpan.FromHours(24), stream.Info.Config.MaxAge);
    }

    private static async Task<JetStreamProbe> ProbeAsync(SecuredNats nats)
    {
        var controller = nats.Controller();
        return await JetStreamProbe.ConnectAsync(nats.Url, SecuredNats.Auth(controller), controller.InboxPrefix);
    }
}
