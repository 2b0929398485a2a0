using System.Text.Json;
using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;
using Sympozium.Controller.Tests.Support;
using Sympozium.EventBus;
using Sympozium.Testing.Probes;

namespace Sympozium.Controller.Tests;

/// <summary>
/// The channel router inside the real controller process: a channel message becomes a run of the
/// instance; when the run fails, the chat gets one short error reply.
/// </summary>
[Collection(ControllerProcessGroup.Name)]
public sealed class ChannelToRunProcessTests(ControllerProcessFixture fixture)
{
    private const string Ns = "default";

    [Fact]
    public async Task A_channel_message_runs_the_agent_and_a_failure_is_answered_once_in_the_chat()
    {
        if (await fixture.Clients.Instances.GetAsync(Ns, "chatty") is null)
        {
            await fixture.Clients.Instances.CreateAsync(Ns, new SympoziumInstance
            {
                Metadata = { Name = "chatty", Namespace = Ns },
                Spec = { Agents = { Default = { Model = "gpt-4o" } } },
            });
        }

        await using var channelPod = await NatsEventBus.ConnectAsync(new EventBusOptions { Url = fixture.Nats.Url });
        await using var probe = await JetStreamProbe.ConnectAsync(fixture.Nats.Url);
        var metadata = new Dictionary<string, string>
        {
            [NatsSubjects.Metadata.InstanceName] = "chatty",
            [NatsSubjects.Metadata.Namespace] = Ns,
            [NatsSubjects.Metadata.Channel] = "telegram",
        };
        using var data = JsonDocument.Parse("""{"channel":"telegram","instanceName":"chatty","senderId":"7","senderName":"Ann","chatId":"4242","text":"error:the model is down","messageId":"m-1"}""");

        // The router's consumers start from new messages: publish until a run shows up (the router
        // names the run after the platform message id, so repeats make no second run).
        AgentRun? run = null;
        for (var attempt = 0; run is null && attempt < 60; attempt++)
        {
            await channelPod.PublishAsync(EventEnvelope.Create(NatsSubjects.ChannelMessageReceived, metadata, data.RootElement.Clone()) with { Subject = NatsSubjects.FromChannel(Ns, "chatty", "telegram", NatsSubjects.ChannelMessageReceived) }, $"attempt-{attempt}"); // distinct bus ids; the same platform message id
            await Task.Delay(500);
            run = (await fixture.Clients.Runs.ListAsync(Ns, $"{Labels.Instance}=chatty,{Labels.Source}=channel")).Items.SingleOrDefault();
        }

        Assert.True(run is not null, "no run from the channel message; controller log:\n" + fixture.ControllerLog);
        Assert.Equal("error:the model is down", run!.Spec.Task);
        Assert.Equal("4242", run.Metadata.Annotations![Annotations.ReplyChatId]);

        var failed = await fixture.EventuallyAsync(() => fixture.Clients.Runs.GetAsync(Ns, run.Metadata.Name!), r => r.Status?.Phase == "Failed", "the channel run fails");
        Assert.Equal("the model is down", failed.Status!.Error);

        var reply = await fixture.EventuallyAsync(
            async () => (await probe.ReadAsync(NatsSubjects.ToAnyChannel(NatsSubjects.ChannelMessageSend))).Where(e => e.Envelope.Data.GetProperty("chatId").GetString() == "4242").ToList(),
            r => r.Count > 0,
            "the error reply is on channel.message.send");
        var envelope = Assert.Single(reply).Envelope;
        Assert.Equal("telegram", envelope.Data.GetProperty("channel").GetString());
        Assert.Contains("the model is down", envelope.Data.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal(("chatty", Ns), (envelope.Metadata[NatsSubjects.Metadata.InstanceName], envelope.Metadata[NatsSubjects.Metadata.Namespace]));
        Assert.Single((await fixture.Clients.Runs.ListAsync(Ns, $"{Labels.Instance}=chatty,{Labels.Source}=channel")).Items);
    }

    [Fact]
    public async Task A_succeeded_channel_run_is_answered_from_its_recorded_result_when_its_ipc_bridge_never_reaches_NATS()
    {
        // The stand-in ipc-bridge publishes nothing, as a bridge that lost NATS for its whole
        // drain window would: the answer comes from the result the controller recorded.
        if (await fixture.Clients.Instances.GetAsync(Ns, "quiet") is null)
        {
            await fixture.Clients.Instances.CreateAsync(Ns, new SympoziumInstance
            {
                Metadata = { Name = "quiet", Namespace = Ns },
                Spec = { Agents = { Default = { Model = "gpt-4o" } } },
            });
        }

        await using var channelPod = await NatsEventBus.ConnectAsync(new EventBusOptions { Url = fixture.Nats.Url });
        await using var probe = await JetStreamProbe.ConnectAsync(fixture.Nats.Url);
        var metadata = new Dictionary<string, string> { [NatsSubjects.Metadata.Channel] = "telegram" };
        using var data = JsonDocument.Parse("""{"channel":"telegram","senderId":"8","chatId":"5151","text":"succeed:answered without the bridge","messageId":"q-1"}""");
        AgentRun? run = null;
        for (var attempt = 0; run is null && attempt < 60; attempt++)
        {
            await channelPod.PublishAsync(EventEnvelope.Create(NatsSubjects.ChannelMessageReceived, metadata, data.RootElement.Clone()) with { Subject = NatsSubjects.FromChannel(Ns, "quiet", "telegram", NatsSubjects.ChannelMessageReceived) }, $"q-attempt-{attempt}");
            await Task.Delay(500);
            run = (await fixture.Clients.Runs.ListAsync(Ns, $"{Labels.Instance}=quiet,{Labels.Source}=channel")).Items.SingleOrDefault();
        }

        Assert.True(run is not null, "no run from the channel message; controller log:\n" + fixture.ControllerLog);
        await fixture.EventuallyAsync(() => fixture.Clients.Runs.GetAsync(Ns, run!.Metadata.Name!), r => r.Status?.Phase == "Succeeded", "the channel run succeeds");

        var replies = await fixture.EventuallyAsync(
            async () => (await probe.ReadAsync(NatsSubjects.ToChannel(Ns, "quiet", "telegram", NatsSubjects.ChannelMessageSend))).ToList(),
            r => r.Count > 0,
            "the reply is on the instance's channel.message.send");
        var reply = Assert.Single(replies);
        Assert.Equal("5151", reply.Envelope.Data.GetProperty("chatId").GetString());
        Assert.Contains("answered without the bridge", reply.Envelope.Data.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal("reply/" + run!.Metadata.Uid, reply.MessageId);

        // Answered once: the run is marked, and a later reconcile publishes nothing more.
        var answered = await fixture.EventuallyAsync(() => fixture.Clients.Runs.GetAsync(Ns, run.Metadata.Name!), r => r.Metadata.Annotations?.ContainsKey("sympozium.ai/replied") == true, "the run is marked replied");
        Assert.Equal(NatsSubjects.AgentRunCompleted, answered.Metadata.Annotations!["sympozium.ai/replied"]);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Single(await probe.ReadAsync(NatsSubjects.ToChannel(Ns, "quiet", "telegram", NatsSubjects.ChannelMessageSend)));
    }

    [Fact]
    public async Task The_leader_creates_the_outbound_progress_bucket_that_channel_pods_may_not_create()
    {
        await using var probe = await JetStreamProbe.ConnectAsync(fixture.Nats.Url);

        var stream = await fixture.EventuallyAsync(
            async () =>
            {
                try
                {
                    return (await probe.JetStream.GetStreamAsync(KeyValueBucket.OutboundProgress.StreamName)).Info;
                }
                catch (NATS.Client.JetStream.NatsJSApiException e) when (e.Error.Code == 404)
                {
                    return null;
                }
            },
            _ => true,
            "stream KV_sympozium-outbound exists");

        Assert.Equal(["$KV.sympozium-outbound.>"], stream.Config.Subjects);
        Assert.Equal(1, stream.Config.MaxMsgsPerSubject);
        Assert.True(stream.Config.AllowDirect);
        Assert.True(stream.Config.MaxAge >= TimeSpan.FromHours(24), "progress must outlive the events it belongs to");
    }
}
