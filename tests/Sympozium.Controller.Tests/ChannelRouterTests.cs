using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sympozium.Api.Kinds;
using Sympozium.Api.Messages;
using Sympozium.Api.Meta;
using Sympozium.Api.Serialization;
using Sympozium.Api.Validation;
using Sympozium.Api.WellKnown;
using Sympozium.Controller.Channels;
using Sympozium.Controller.Reconcilers;
using Sympozium.EventBus;
using Sympozium.Kubernetes.Client;
using Sympozium.LocalCluster;
using Sympozium.Testing;
using Sympozium.Testing.Probes;

namespace Sympozium.Controller.Tests;

/// <summary>
/// The channel router end to end: a real nats-server, the local cluster, the router in-process.
/// No controller runs; a run's outcome is simulated by publishing what the ipc-bridge and the
/// AgentRun controller publish (docs/design/channels.md#channel-router, upstream-fixes.md#cp-8 and
/// upstream-fixes.md#cp-9). Every test has its own NATS and cluster, so restarts disturb no
/// neighbour.
/// </summary>
public sealed class ChannelRouterTests : IAsyncLifetime, IDisposable
{
    private const string TeamA = "team-a";
    private const string TeamB = "team-b";
    private static readonly string SendSubject = NatsSubjects.ToAnyChannel(NatsSubjects.ChannelMessageSend);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly string _directory = Directory.CreateTempSubdirectory("sympozium-channel-router-tests-").FullName;
    private readonly ListLogger _log = new();
    private readonly CancellationTokenSource _stop = new();
    private LocalClusterServer _cluster = null!;
    private KubernetesConnection _connection = null!;
    private NatsServer _nats = null!;
    private NatsEventBus _routerBus = null!;
    private NatsEventBus _channelPod = null!;
    private JetStreamProbe _probe = null!;
    private RunningRouter? _router;

    private Clients Clients => new(_connection);

    public async Task InitializeAsync()
    {
        _cluster = await LocalClusterServer.StartAsync(new LocalClusterOptions { Directory = _directory, RunKubelet = false });
        _connection = KubernetesConnection.FromKubeconfig(_cluster.KubeconfigPath);
        foreach (var (_, yaml) in CrdSchemas.Manifests())
        {
            await PostAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", YamlJson.Parse(yaml).ToJsonString());
        }

        foreach (var ns in new[] { TeamA, TeamB })
        {
            await PostAsync("/api/v1/namespaces", $$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{ns}}}"}}""");
        }

        _nats = await NatsServer.StartAsync();
        _routerBus = await NatsEventBus.ConnectAsync(BusOptions("router"));
        _channelPod = await NatsEventBus.ConnectAsync(BusOptions("channel-pod"));
        _probe = await JetStreamProbe.ConnectAsync(_nats.Url);
    }

    public async Task DisposeAsync()
    {
        if (_router is { } router)
        {
            await router.StopAsync();
        }

        await _probe.DisposeAsync();
        await _channelPod.DisposeAsync();
        await _routerBus.DisposeAsync();
        await _nats.DisposeAsync();
        _connection.Dispose();
        await _cluster.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    public void Dispose() => _stop.Dispose();

    [Fact]
    public async Task Message_becomes_a_run_with_the_channel_contract_and_the_thread_kept()
    {
        await CreateInstanceAsync(TeamA, "alice", instance =>
        {
            instance.Spec.Agents.Default.BaseURL = "http://ollama.models.svc:11434/v1";
            instance.Spec.Agents.Default.NodeSelector = new() { ["kubernetes.io/hostname"] = "node1" };
            instance.Spec.Agents.Default.Lifecycle = new LifecycleHooks { PreRun = [new LifecycleHook { Name = "warm", Image = "busybox" }] };
            instance.Spec.AuthRefs = [new SecretRef { Secret = "  " }, new SecretRef { Secret = "ollama-key" }];
            instance.Spec.Skills = [new SkillRef { SkillPackRef = "k8s-ops" }, new SkillRef { ConfigMapRef = "extra" }];
            instance.Spec.ImagePullSecrets = [new LocalObjectReference { Name = "regcred" }];
        });
        await StartRouterAsync();

        var published = await PublishMessageAsync(TeamA, "alice", text: "hi", senderId: "s1", chatId: "c1", threadId: "t1", messageId: "42");

        var run = Assert.Single(await WaitForRunsAsync(TeamA, 1));
        Assert.StartsWith("alice-ch-", run.Metadata.Name, StringComparison.Ordinal);
        Assert.Equal("alice-ch-".Length + ChannelRunBuilder.NameHashLength, run.Metadata.Name!.Length);
        Assert.Equal(
            new Dictionary<string, string> { [Labels.Instance] = "alice", [Labels.Source] = "channel", [Labels.SourceChannel] = "telegram" },
            run.Metadata.Labels);
        Assert.Equal(
            new Dictionary<string, string>
            {
                [Annotations.ReplyChannel] = "telegram",
                [Annotations.ReplyChatId] = "c1",
                [Annotations.ReplyThreadId] = "t1",
                [Annotations.SenderId] = "s1",
                [Annotations.SenderName] = "Sam",
            },
            run.Metadata.Annotations);
        var spec = run.Spec;
        Assert.Equal(("alice", "primary", "hi", "10m0s"), (spec.InstanceRef, spec.AgentId, spec.Task, spec.Timeout));
        var nanos = (published.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
        Assert.Equal($"channel-telegram-c1-{nanos}", spec.SessionKey);
        Assert.Equal(("ollama", "gpt-4o", "http://ollama.models.svc:11434/v1", "ollama-key"), (spec.Model.Provider, spec.Model.Model, spec.Model.BaseURL, spec.Model.AuthSecretRef));
        Assert.Equal("node1", spec.Model.NodeSelector!["kubernetes.io/hostname"]);
        Assert.Equal(new string?[] { "k8s-ops", null }, spec.Skills!.Select(s => s.SkillPackRef));
        Assert.Equal("extra", spec.Skills![1].ConfigMapRef);
        Assert.Equal("regcred", Assert.Single(spec.ImagePullSecrets!).Name);
        Assert.Equal("warm", Assert.Single(spec.Lifecycle!.PreRun!).Name);
        Assert.Null(spec.SystemPrompt);
        Assert.Null(spec.Model.Thinking);
    }

    [Fact]
    public async Task Messages_without_text_or_on_no_instances_subject_are_acked_and_start_nothing()
    {
        await CreateInstanceAsync(TeamA, "alice");
        await StartRouterAsync();

        await PublishMessageAsync(TeamA, "alice", text: "   ", messageId: "1");
        await PublishRawMessageAsync(new Dictionary<string, string>(), "\"not an object\"");

        // Upstream's flat subject names no instance (and no credentials may publish it).
        await PublishRawMessageAsync(
            new Dictionary<string, string> { [NatsSubjects.Metadata.Namespace] = TeamA, [NatsSubjects.Metadata.InstanceName] = "alice" },
            """{"channel":"telegram","chatId":"c1","text":"who am I for?"}""",
            NatsSubjects.Subject(NatsSubjects.ChannelMessageReceived));
        await WaitDrainedAsync();

        Assert.Empty(await ChannelRunsAsync(TeamA));
    }

    [Fact]
    public async Task Denied_sender_gets_the_deny_message_and_no_run()
    {
        await CreateInstanceAsync(TeamA, "alice", instance => instance.Spec.Channels =
        [
            new ChannelSpec { Type = "telegram", AccessControl = new ChannelAccessControl { DeniedSenders = ["mallory"], DenyMessage = "no" } },
            new ChannelSpec { Type = "slack", AccessControl = new ChannelAccessControl { AllowedChats = ["general"] } },
        ]);
        await StartRouterAsync();

        await PublishMessageAsync(TeamA, "alice", text: "let me in", senderId: "mallory", chatId: "c9", messageId: "5");
        await PublishMessageAsync(TeamA, "alice", channel: "slack", text: "psst", chatId: "random", messageId: "6");
        await WaitDrainedAsync();

        Assert.Empty(await ChannelRunsAsync(TeamA));
        var reply = Assert.Single(await RepliesAsync());
        Assert.Equal(("telegram", "c9", "no"), (reply.Channel, reply.ChatId, reply.Text));
        Assert.Equal(("alice", "telegram", TeamA), (reply.Metadata[NatsSubjects.Metadata.InstanceName], reply.Metadata[NatsSubjects.Metadata.Channel], reply.Metadata[NatsSubjects.Metadata.Namespace]));
        Assert.Contains(_log.Lines, l => l.Contains("in deniedSenders", StringComparison.Ordinal));
        Assert.Contains(_log.Lines, l => l.Contains("chat 'random' is not in allowedChats", StringComparison.Ordinal) && l.Contains("dropped silently", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_refused_by_admission_is_answered_once_with_the_reason_instead_of_retried_or_dropped_silently()
    {
        const string Denial = "AgentRun team-a/alice-ch-x violates SympoziumPolicy strict: tool \"execute_command\" is denied by policy";
        await using var webhook = await Support.DenyingAdmissionWebhook.StartAsync(Denial);
        await PostAsync("/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations", webhook.Configuration("deny-runs.test.sympozium.ai").ToJsonString());
        await CreateInstanceAsync(TeamA, "alice");
        await StartRouterAsync();

        // The channel pod publishes the same platform message twice (a re-poll): one answer.
        await PublishMessageAsync(TeamA, "alice", text: "run something forbidden", chatId: "c7", threadId: "t7", messageId: "77", natsMessageId: "pod/77");
        await PublishMessageAsync(TeamA, "alice", text: "run something forbidden", chatId: "c7", threadId: "t7", messageId: "77", natsMessageId: "pod/77-again");
        await WaitDrainedAsync();

        Assert.Empty(await ChannelRunsAsync(TeamA));
        Assert.Equal(2, webhook.Reviews); // Each delivery asked once: the refusal was not retried.
        var reply = Assert.Single(await RepliesAsync());
        Assert.Equal(("telegram", "c7", "t7"), (reply.Channel, reply.ChatId, reply.ThreadId));
        Assert.Equal("Your message could not be run: " + Denial, reply.Text);
        Assert.StartsWith("refused/", reply.MessageId, StringComparison.Ordinal);
        Assert.Equal(("alice", TeamA), (reply.Metadata[NatsSubjects.Metadata.InstanceName], reply.Metadata[NatsSubjects.Metadata.Namespace]));
        Assert.Contains(_log.Lines, l => l.Contains("was refused by admission; the chat is told why", StringComparison.Ordinal));
        var inbound = (await _probe.JetStream.GetConsumerAsync(NatsSubjects.Stream, ChannelRouterOptions.Default.InboundConsumer)).Info;
        Assert.Equal(0, inbound.NumRedelivered);
    }

    [Fact]
    public async Task Completed_run_gets_exactly_one_reply_with_the_response_in_its_thread()
    {
        await CreateInstanceAsync(TeamA, "alice");
        await StartRouterAsync();
        await PublishMessageAsync(TeamA, "alice", text: "hi", chatId: "c1", threadId: "t1", messageId: "1");
        var run = Assert.Single(await WaitForRunsAsync(TeamA, 1));

        // The ipc-bridge publishes twice (restarted before it recorded the first publish), and the
        // controller then fails the run anyway (e.g. a postRun hook): still one reply.
        await PublishOutcomeAsync(NatsSubjects.AgentRunCompleted, run, """{"status":"success","response":"ok"}""", "bridge-1");
        await PublishOutcomeAsync(NatsSubjects.AgentRunCompleted, run, """{"status":"success","response":"ok"}""", "bridge-2");
        await PublishOutcomeAsync(NatsSubjects.AgentRunFailed, run, """{"error":"postRun hook failed"}""", "controller-1");
        await WaitDrainedAsync();
        Assert.Contains(_log.Lines, l => l.Contains("the reply was already sent for agent.run.completed", StringComparison.Ordinal));

        var reply = Assert.Single(await RepliesAsync());
        Assert.Equal(("telegram", "c1", "t1", "ok"), (reply.Channel, reply.ChatId, reply.ThreadId, reply.Text));
        Assert.Equal("reply/" + run.Metadata.Uid, reply.MessageId);
        var annotated = (await Clients.Runs.GetAsync(TeamA, run.Metadata.Name!))!;
        Assert.Equal(NatsSubjects.AgentRunCompleted, annotated.Metadata.Annotations![ChannelRouter.RepliedAnnotation]);
    }

    [Fact]
    public async Task An_answer_and_a_late_failure_that_waited_for_the_router_are_answered_with_the_answer()
    {
        await CreateInstanceAsync(TeamA, "alice");
        await StartRouterAsync();
        foreach (var n in Enumerable.Range(1, 5))
        {
            await PublishMessageAsync(TeamA, "alice", text: "q" + n, chatId: "c" + n, messageId: n.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var runs = await WaitForRunsAsync(TeamA, 5);
        await StopRouterAsync();

        // Both outcomes of every run wait on the bus: the answer first, then the failure.
        foreach (var run in runs)
        {
            await PublishOutcomeAsync(NatsSubjects.AgentRunCompleted, run, $$"""{"status":"success","response":"answer to {{run.Spec.Task}}"}""", run.Metadata.Name!);
            await PublishOutcomeAsync(NatsSubjects.AgentRunFailed, run, """{"error":"postRun hook failed"}""", run.Metadata.Name!);
        }

        await StartRouterAsync();
        await WaitDrainedAsync();

        var replies = await RepliesAsync();
        Assert.Equal(5, replies.Count);
        foreach (var run in runs)
        {
            var chat = run.Metadata.Annotations![Annotations.ReplyChatId];
            Assert.Equal("answer to " + run.Spec.Task, Assert.Single(replies, r => r.ChatId == chat).Text);
        }
    }

    [Fact]
    public async Task Failed_run_gets_one_short_clear_error_reply()
    {
        await CreateInstanceAsync(TeamA, "alice");
        await StartRouterAsync();
        await PublishMessageAsync(TeamA, "alice", text: "hi", chatId: "c1", messageId: "1");
        var run = Assert.Single(await WaitForRunsAsync(TeamA, 1));

        var reason = "agent container exited with code 1:\n" + new string('x', 2000);
        await PublishOutcomeAsync(NatsSubjects.AgentRunFailed, run, JsonSerializer.Serialize(new Dictionary<string, string> { ["error"] = reason }, TestJson.Default.DictionaryStringString), "f-1");
        await WaitDrainedAsync();
        await PublishOutcomeAsync(NatsSubjects.AgentRunCompleted, run, """{"status":"success","response":"late answer"}""", "c-1");
        await WaitDrainedAsync();

        var reply = Assert.Single(await RepliesAsync());
        Assert.StartsWith("Sorry, the agent failed: agent container exited with code 1: xxx", reply.Text, StringComparison.Ordinal);
        Assert.EndsWith("…", reply.Text, StringComparison.Ordinal);
        Assert.True(reply.Text.Length <= "Sorry, the agent failed: ".Length + ReplyText.MaxReasonLength, reply.Text.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Null(reply.ThreadId);
    }

    [Fact]
    public async Task Agent_reported_errors_and_empty_results_are_answered_too()
    {
        await CreateInstanceAsync(TeamA, "alice");
        await StartRouterAsync();
        await PublishMessageAsync(TeamA, "alice", text: "one", chatId: "c1", messageId: "1");
        await PublishMessageAsync(TeamA, "alice", text: "two", chatId: "c2", messageId: "2");
        var runs = await WaitForRunsAsync(TeamA, 2);
        var first = runs.Single(r => r.Spec.Task == "one");
        var second = runs.Single(r => r.Spec.Task == "two");

        await PublishOutcomeAsync(NatsSubjects.AgentRunCompleted, first, """{"status":"error","error":"provider returned 401"}""", "a");
        await PublishOutcomeAsync(NatsSubjects.AgentRunCompleted, second, """{"status":"success"}""", "b");
        await WaitDrainedAsync();

        var replies = await RepliesAsync();
        Assert.Equal("Sorry, the agent failed: provider returned 401", replies.Single(r => r.ChatId == "c1").Text);
        Assert.Equal("(no response)", replies.Single(r => r.ChatId == "c2").Text);
    }

    [Fact]
    public async Task Runs_not_started_from_a_channel_get_no_reply()
    {
        await CreateInstanceAsync(TeamA, "alice");
        await StartRouterAsync();
        var manual = await Clients.Runs.CreateAsync(TeamA, new AgentRun
        {
            Metadata = { Name = "manual", Namespace = TeamA, Labels = new() { [Labels.Instance] = "alice" } },
            Spec = { InstanceRef = "alice", AgentId = "primary", Task = "t", Model = { Provider = "openai", Model = "gpt-4o" } },
        });

        await PublishOutcomeAsync(NatsSubjects.AgentRunCompleted, manual, """{"status":"success","response":"ok"}""", "m");
        await PublishOutcomeAsync(NatsSubjects.AgentRunFailed, manual, """{"error":"boom"}""", "m");
        await WaitDrainedAsync();

        Assert.Empty(await RepliesAsync());
    }

    [Fact]
    public async Task The_same_message_delivered_twice_starts_one_run()
    {
        await CreateInstanceAsync(TeamA, "alice");
        await StartRouterAsync();

        // The channel pod restarted and re-read the update: new NATS message id, same platform message.
        await PublishMessageAsync(TeamA, "alice", text: "hi", chatId: "c1", messageId: "77", natsMessageId: "pod-a/1");
        await PublishMessageAsync(TeamA, "alice", text: "hi", chatId: "c1", messageId: "77", natsMessageId: "pod-b/1");
        await PublishMessageAsync(TeamA, "alice", text: "hi again", chatId: "c1", messageId: "78");
        await WaitDrainedAsync();

        var runs = await ChannelRunsAsync(TeamA);
        Assert.Equal(new[] { "hi", "hi again" }, runs.Select(r => r.Spec.Task).Order(StringComparer.Ordinal));
        Assert.Contains(_log.Lines, l => l.Contains("already exists", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_redelivery_after_a_crash_between_create_and_ack_is_acked_without_a_second_run()
    {
        var instance = await CreateInstanceAsync(TeamA, "alice");
        var message = new InboundMessage { Channel = "telegram", InstanceName = "alice", ChatId = "c1", Text = "hi", Metadata = new() { ["messageId"] = JsonSerializer.SerializeToElement("9", TestJson.Default.String) } };
        var name = ChannelRunBuilder.RunName("alice", ChannelRunBuilder.MessageKey(TeamA, "alice", "telegram", message, null, 0));

        // What the crashed router left behind: the run exists, the message was never acked.
        await Clients.Runs.CreateAsync(TeamA, ChannelRunBuilder.Build(instance, message, "telegram", name, DateTimeOffset.UnixEpoch));
        await StartRouterAsync();
        await PublishMessageAsync(TeamA, "alice", text: "hi", chatId: "c1", messageId: "9");
        await WaitDrainedAsync();

        var run = Assert.Single(await ChannelRunsAsync(TeamA));
        Assert.Equal(name, run.Metadata.Name);
        Assert.Equal("channel-telegram-c1-0", run.Spec.SessionKey); // the original, untouched
    }

    [Fact]
    public async Task Messages_and_outcomes_published_while_the_router_is_down_are_handled_after_it_restarts()
    {
        await CreateInstanceAsync(TeamA, "alice");
        await StartRouterAsync();
        await PublishMessageAsync(TeamA, "alice", text: "first", chatId: "c1", messageId: "1");
        var first = Assert.Single(await WaitForRunsAsync(TeamA, 1));
        await StopRouterAsync();

        await PublishMessageAsync(TeamA, "alice", text: "second", chatId: "c2", messageId: "2");
        await PublishOutcomeAsync(NatsSubjects.AgentRunCompleted, first, """{"status":"success","response":"answer one"}""", "x");
        await Task.Delay(300);
        Assert.Single(await ChannelRunsAsync(TeamA));
        Assert.Empty(await RepliesAsync());

        await StartRouterAsync();
        var runs = await WaitForRunsAsync(TeamA, 2);
        await WaitDrainedAsync();

        Assert.Contains(runs, r => r.Spec.Task == "second");
        Assert.Equal("answer one", Assert.Single(await RepliesAsync()).Text);
    }

    [Fact]
    public async Task Router_keeps_working_after_nats_restarts()
    {
        await CreateInstanceAsync(TeamA, "alice");
        await StartRouterAsync();
        await PublishMessageAsync(TeamA, "alice", text: "before", chatId: "c1", messageId: "1");
        var before = Assert.Single(await WaitForRunsAsync(TeamA, 1));

        await _nats.RestartAsync();
        var restarted = System.Diagnostics.Stopwatch.StartNew();

        await PublishMessageAsync(TeamA, "alice", text: "after", chatId: "c2", messageId: "2");
        var after = (await WaitForRunsAsync(TeamA, 2, TimeSpan.FromSeconds(60))).Single(r => r.Spec.Task == "after");
        Console.WriteLine($"channel router resumed {restarted.Elapsed.TotalSeconds:0.0} s after the NATS restart");
        await PublishOutcomeAsync(NatsSubjects.AgentRunCompleted, after, """{"status":"success","response":"still here"}""", "a");
        await PublishOutcomeAsync(NatsSubjects.AgentRunFailed, before, """{"error":"timed out"}""", "b");
        await WaitDrainedAsync();

        var replies = await RepliesAsync();
        Assert.Equal(2, replies.Count);
        Assert.Equal("still here", replies.Single(r => r.ChatId == "c2").Text);
        Assert.Equal("Sorry, the agent failed: timed out", replies.Single(r => r.ChatId == "c1").Text);
    }

    [Fact]
    public async Task A_message_claiming_another_tenants_instance_is_routed_by_the_subject_it_arrived_on()
    {
        await CreateInstanceAsync(TeamA, "alice");
        await CreateInstanceAsync(TeamB, "bob");
        await StartRouterAsync();

        // The channel pod of team-a/alice (its credentials allow only its own subject) claims,
        // in the payload and the metadata, to speak for team-b/bob.
        await PublishMessageAsync(TeamA, "alice", text: "run this as bob", chatId: "c1", messageId: "1", claimedNamespace: TeamB, claimedInstance: "bob");
        await WaitDrainedAsync();

        Assert.Empty(await ChannelRunsAsync(TeamB));
        var run = Assert.Single(await WaitForRunsAsync(TeamA, 1));
        Assert.Equal("alice", run.Spec.InstanceRef);
    }

    [Fact]
    public async Task An_outcome_published_on_another_runs_subject_is_not_answered()
    {
        await CreateInstanceAsync(TeamA, "alice");
        await StartRouterAsync();
        await PublishMessageAsync(TeamA, "alice", text: "hi", chatId: "c1", messageId: "1");
        var run = Assert.Single(await WaitForRunsAsync(TeamA, 1));

        // Another run (its own uid in the subject) reports a result naming this run in its metadata.
        await PublishOutcomeAsync(NatsSubjects.AgentRunCompleted, run, """{"status":"success","response":"forged"}""", "forged", subjectUid: Guid.NewGuid().ToString());
        await WaitDrainedAsync();

        Assert.Empty(await RepliesAsync());
        Assert.Contains(_log.Lines, l => l.Contains("but the run's uid is " + run.Metadata.Uid, StringComparison.Ordinal));

        await PublishOutcomeAsync(NatsSubjects.AgentRunCompleted, run, """{"status":"success","response":"real"}""", "real");
        await WaitForRepliesAsync(1);
        Assert.Equal("real", Assert.Single(await RepliesAsync()).Text);
    }

    [Fact]
    public async Task An_agents_message_reaches_only_its_own_chat_unless_the_instance_allows_any()
    {
        await CreateInstanceAsync(TeamA, "alice", instance => instance.Spec.Channels =
        [
            new ChannelSpec { Type = "telegram" },
            new ChannelSpec { Type = "slack", AllowAgentMessagesToAnyChat = true, AccessControl = new ChannelAccessControl { AllowedChats = ["general", "ops"] } },
        ]);
        await StartRouterAsync();
        await PublishMessageAsync(TeamA, "alice", text: "hi", chatId: "c1", messageId: "1");
        var run = Assert.Single(await WaitForRunsAsync(TeamA, 1));

        await PublishAgentMessageAsync(run, "telegram", "c1", "to my own chat", "m1");
        await PublishAgentMessageAsync(run, "telegram", "c2", "to a stranger", "m2");
        await PublishAgentMessageAsync(run, "slack", "ops", "to ops, allowed by the instance", "m3");
        await PublishAgentMessageAsync(run, "slack", "random", "outside allowedChats", "m4");
        await PublishAgentMessageAsync(run, "discord", "c1", "a channel the instance does not have", "m5");
        await WaitDrainedAsync(ChannelRouterOptions.Default.AgentMessagesConsumer);

        var sent = (await RepliesAsync()).Select(r => (r.Channel, r.ChatId, r.Text)).OrderBy(r => r.Text, StringComparer.Ordinal).ToList();
        Assert.Equal([("telegram", "c1", "to my own chat"), ("slack", "ops", "to ops, allowed by the instance")], sent);
        Assert.Contains(_log.Lines, l => l.Contains("chat 'c2' is not the chat this run answers", StringComparison.Ordinal));
        Assert.Contains(_log.Lines, l => l.Contains("chat 'random' is not in spec.channels[slack].accessControl.allowedChats", StringComparison.Ordinal));
        Assert.Contains(_log.Lines, l => l.Contains("has no discord channel", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failure_reported_after_the_duplicate_window_still_does_not_reply_twice()
    {
        await CreateInstanceAsync(TeamA, "alice");
        await StartRouterAsync();
        await PublishMessageAsync(TeamA, "alice", text: "hi", chatId: "c1", messageId: "1");
        var run = Assert.Single(await WaitForRunsAsync(TeamA, 1));

        // Shrink the stream's duplicate window, so only the run's annotation can stop a second reply.
        await using (await NatsEventBus.ConnectAsync(BusOptions("short-window") with { DuplicateWindow = TimeSpan.FromMilliseconds(200) }))
        {
        }

        await PublishOutcomeAsync(NatsSubjects.AgentRunCompleted, run, """{"status":"success","response":"ok"}""", "c");
        await WaitDrainedAsync();
        await Task.Delay(TimeSpan.FromSeconds(1));
        await PublishOutcomeAsync(NatsSubjects.AgentRunFailed, run, """{"error":"postRun hook failed"}""", "f");
        await WaitDrainedAsync();

        Assert.Equal("ok", Assert.Single(await RepliesAsync()).Text);
        Assert.Contains(_log.Lines, l => l.Contains("the reply was already sent for agent.run.completed", StringComparison.Ordinal));
    }

    // ---- helpers ----

    private EventBusOptions BusOptions(string name) =>
        EventBusOptions.Default with { Url = _nats.Url, ClientName = name, ConnectTimeout = TimeSpan.FromSeconds(20), ReconnectWaitMax = TimeSpan.FromMilliseconds(500) };

    private async Task StartRouterAsync()
    {
        var options = ChannelRouterOptions.Default with { RedeliveryDelays = [TimeSpan.FromMilliseconds(200)] };
        var router = new ChannelRouter(Clients, _routerBus, _log, options: options);
        var stop = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        _router = new RunningRouter(router.RunAsync(stop.Token), stop);
        await router.Ready.WaitAsync(Patience);
    }

    private async Task StopRouterAsync()
    {
        await _router!.StopAsync();
        _router = null;
    }

    private async Task<SympoziumInstance> CreateInstanceAsync(string ns, string name, Action<SympoziumInstance>? configure = null)
    {
        var instance = new SympoziumInstance
        {
            Metadata = { Name = name, Namespace = ns },
            Spec = { Agents = { Default = { Model = "gpt-4o" } }, Channels = [new ChannelSpec { Type = "telegram" }] },
        };
        configure?.Invoke(instance);
        return await Clients.Instances.CreateAsync(ns, instance);
    }

    /// <summary>Publishes what a channel pod publishes; returns the envelope timestamp.</summary>
    private async Task<DateTimeOffset> PublishMessageAsync(
        string ns,
        string instance,
        string text,
        string channel = "telegram",
        string senderId = "s1",
        string chatId = "c1",
        string? threadId = null,
        string? messageId = null,
        string? natsMessageId = null,
        string? claimedNamespace = null,
        string? claimedInstance = null)
    {
        var data = new Dictionary<string, JsonElement>
        {
            ["channel"] = Json(channel),
            ["instanceName"] = Json(claimedInstance ?? instance),
            ["senderId"] = Json(senderId),
            ["senderName"] = Json("Sam"),
            ["chatId"] = Json(chatId),
            ["text"] = Json(text),
        };
        if (threadId is not null)
        {
            data["threadId"] = Json(threadId);
        }

        if (messageId is not null)
        {
            data["metadata"] = JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["messageId"] = messageId, ["chatType"] = "private" }, TestJson.Default.DictionaryStringString);
        }

        var metadata = new Dictionary<string, string>
        {
            [NatsSubjects.Metadata.Channel] = channel,
            [NatsSubjects.Metadata.InstanceName] = claimedInstance ?? instance,
            [NatsSubjects.Metadata.Namespace] = claimedNamespace ?? ns,
        };
        var envelope = EventEnvelope.Create(NatsSubjects.ChannelMessageReceived, metadata, JsonSerializer.SerializeToElement(data, TestJson.Default.DictionaryStringJsonElement)) with
        {
            Subject = NatsSubjects.FromChannel(ns, instance, channel, NatsSubjects.ChannelMessageReceived),
        };
        await PublishAsync(envelope, natsMessageId);
        return envelope.Timestamp;
    }

    private Task PublishRawMessageAsync(Dictionary<string, string> metadata, string dataJson, string? subject = null) =>
        PublishAsync(EventEnvelope.Create(NatsSubjects.ChannelMessageReceived, metadata, Parse(dataJson)) with { Subject = subject ?? NatsSubjects.FromChannel(TeamA, "alice", "telegram", NatsSubjects.ChannelMessageReceived) }, null);

    /// <summary>Publishes an agent's send_channel_message as its run's ipc-bridge does.</summary>
    private Task PublishAgentMessageAsync(AgentRun run, string channel, string chatId, string text, string messageId)
    {
        var metadata = new Dictionary<string, string>
        {
            [NatsSubjects.Metadata.AgentRunId] = run.Metadata.Name!,
            [NatsSubjects.Metadata.InstanceName] = run.Spec.InstanceRef,
            [NatsSubjects.Metadata.Namespace] = run.Metadata.Namespace!,
        };
        var data = JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["channel"] = channel, ["chatId"] = chatId, ["text"] = text }, TestJson.Default.DictionaryStringString);
        var envelope = EventEnvelope.Create(NatsSubjects.ChannelMessageSend, metadata, data) with
        {
            Subject = NatsSubjects.FromRun(run.Metadata.Namespace!, run.Metadata.Uid!, NatsSubjects.ChannelMessageSend),
        };
        return PublishAsync(envelope, messageId);
    }

    /// <summary>Publishes an outcome as the ipc-bridge (completed) or the AgentRun controller (failed) does, on the run's subject (or another uid's).</summary>
    private Task PublishOutcomeAsync(string topic, AgentRun run, string dataJson, string messageId, string? subjectUid = null)
    {
        var metadata = new Dictionary<string, string>
        {
            [NatsSubjects.Metadata.AgentRunId] = run.Metadata.Name!,
            [NatsSubjects.Metadata.InstanceName] = run.Spec.InstanceRef,
            [NatsSubjects.Metadata.Namespace] = run.Metadata.Namespace!,
        };
        var envelope = EventEnvelope.Create(topic, metadata, Parse(dataJson)) with
        {
            Subject = NatsSubjects.FromRun(run.Metadata.Namespace!, subjectUid ?? run.Metadata.Uid!, topic),
        };
        return PublishAsync(envelope, topic + "/" + messageId);
    }

    /// <summary>Publishes, retrying while NATS comes back from a restart.</summary>
    private async Task PublishAsync(EventEnvelope envelope, string? messageId)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            try
            {
                await _channelPod.PublishAsync(envelope, messageId);
                return;
            }
            catch (EventBusPublishException e) when (e.IsTransient && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>Waits until each router consumer has handled and acked everything stored on its subject.</summary>
    private async Task WaitDrainedAsync(params string[] more)
    {
        var options = ChannelRouterOptions.Default;
        var deadline = DateTime.UtcNow + Patience;
        foreach (var consumer in new[] { options.InboundConsumer, options.OutcomesConsumer }.Concat(more))
        {
            while (true)
            {
                try
                {
                    var info = (await _probe.JetStream.GetConsumerAsync(NatsSubjects.Stream, consumer)).Info;
                    if (info.NumPending == 0 && info.NumAckPending == 0)
                    {
                        break;
                    }
                }
                catch (NATS.Client.Core.NatsException) when (DateTime.UtcNow < deadline)
                {
                    // NATS is coming back from a restart.
                }

                Assert.True(DateTime.UtcNow < deadline, $"consumer {consumer} did not drain within {Patience.TotalSeconds:0} s");
                await Task.Delay(50);
            }
        }
    }

    private async Task<IReadOnlyList<AgentRun>> ChannelRunsAsync(string ns) =>
        (await Clients.Runs.ListAsync(ns, $"{Labels.Source}={Labels.Sources.Channel}")).Items;

    private async Task<IReadOnlyList<AgentRun>> WaitForRunsAsync(string ns, int count, TimeSpan? patience = null)
    {
        var deadline = DateTime.UtcNow + (patience ?? Patience);
        while (true)
        {
            var runs = await ChannelRunsAsync(ns);
            if (runs.Count >= count)
            {
                Assert.Equal(count, runs.Count);
                return runs;
            }

            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {count} channel run(s) in {ns}; {runs.Count} so far");
            await Task.Delay(50);
        }
    }

    private async Task WaitForRepliesAsync(int count)
    {
        var deadline = DateTime.UtcNow + Patience;
        while ((await RepliesAsync()).Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {count} reply(ies)");
            await Task.Delay(50);
        }
    }

    private async Task<IReadOnlyList<Reply>> RepliesAsync() =>
        [.. (await _probe.ReadAsync(SendSubject)).Select(Reply.From)];

    private async Task PostAsync(string path, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative))
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        using var response = await _connection.SendAsync(request, HttpCompletionOption.ResponseContentRead, CancellationToken.None);
        response.EnsureSuccessStatusCode();
    }

    private static JsonElement Json(string value) => JsonSerializer.SerializeToElement(value, TestJson.Default.String);

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    /// <summary>One stored <c>channel.message.send</c>.</summary>
    private sealed record Reply(string Channel, string ChatId, string? ThreadId, string Text, IReadOnlyDictionary<string, string> Metadata, string? MessageId)
    {
        public static Reply From(StoredEvent stored)
        {
            var envelope = stored.Envelope;
            var data = envelope.Data;
            return new Reply(
                data.GetProperty("channel").GetString()!,
                data.GetProperty("chatId").GetString()!,
                data.TryGetProperty("threadId", out var thread) ? thread.GetString() : null,
                data.GetProperty("text").GetString()!,
                envelope.Metadata,
                stored.MessageId);
        }
    }

    private sealed class RunningRouter(Task running, CancellationTokenSource stop)
    {
        public async Task StopAsync()
        {
            await stop.CancelAsync();
            await running.WaitAsync(TimeSpan.FromSeconds(30));
            stop.Dispose();
        }
    }
}

/// <summary>The router's pure rules: names, access, reply text.</summary>
public sealed class ChannelRouterRulesTests
{
    private static InboundMessage Message(string? messageId = "42", string chatId = "c1") => new()
    {
        Channel = "telegram",
        InstanceName = "alice",
        ChatId = chatId,
        Text = "hi",
        Metadata = messageId is null ? null : new() { ["messageId"] = JsonSerializer.SerializeToElement(messageId, TestJson.Default.String) },
    };

    [Fact]
    public void Run_name_is_the_same_for_the_same_message_and_differs_for_another()
    {
        var key = ChannelRunBuilder.MessageKey("team-a", "alice", "telegram", Message(), "nats-1", 1);

        Assert.Equal(key, ChannelRunBuilder.MessageKey("team-a", "alice", "telegram", Message(), "nats-2", 2));
        Assert.NotEqual(key, ChannelRunBuilder.MessageKey("team-a", "alice", "telegram", Message("43"), "nats-1", 1));
        Assert.NotEqual(key, ChannelRunBuilder.MessageKey("team-a", "alice", "telegram", Message(chatId: "c2"), "nats-1", 1));
        Assert.NotEqual(key, ChannelRunBuilder.MessageKey("team-b", "alice", "telegram", Message(), "nats-1", 1));
        Assert.Matches("^alice-ch-[0-9a-f]{10}$", ChannelRunBuilder.RunName("alice", key));
    }

    [Fact]
    public void Without_a_platform_id_the_nats_message_id_then_the_stream_sequence_identify_the_message()
    {
        var bare = Message(messageId: null);

        Assert.Equal(
            ChannelRunBuilder.MessageKey("ns", "alice", "telegram", bare, "pod/7", 1),
            ChannelRunBuilder.MessageKey("ns", "alice", "telegram", bare, "pod/7", 2));
        Assert.NotEqual(
            ChannelRunBuilder.MessageKey("ns", "alice", "telegram", bare, null, 1),
            ChannelRunBuilder.MessageKey("ns", "alice", "telegram", bare, null, 2));

        // Our channel pods send the id at the top level; it identifies the message like upstream's metadata.messageId.
        Assert.Equal(
            ChannelRunBuilder.MessageKey("ns", "alice", "telegram", Message("42"), "pod/1", 1),
            ChannelRunBuilder.MessageKey("ns", "alice", "telegram", bare with { MessageId = "42" }, "pod/2", 2));
    }

    [Fact]
    public void Long_instance_names_are_shortened_to_a_valid_63_character_run_name()
    {
        var instance = new string('a', 48) + "-b" + new string('c', 20);
        var name = ChannelRunBuilder.RunName(instance, new string('f', 64));

        Assert.Equal(new string('a', 48) + "-ch-ffffffffff", name);
        Assert.True(name.Length <= 63);
    }

    [Theory]
    [InlineData("s1", "c1", true, null)]
    [InlineData("s2", "c1", false, "sender 's2' is not in allowedSenders")]
    [InlineData("s1", "c2", false, "chat 'c2' is not in allowedChats")]
    [InlineData("bad", "c1", false, "sender 'bad' is in deniedSenders")]
    public void Access_control_checks_chats_then_senders_and_denied_senders_win(string sender, string chat, bool allowed, string? reason)
    {
        var instance = new SympoziumInstance
        {
            Spec =
            {
                Channels =
                [
                    new ChannelSpec { Type = "slack" },
                    new ChannelSpec { Type = "telegram", AccessControl = new ChannelAccessControl { AllowedChats = ["c1"], AllowedSenders = ["s1", "bad"], DeniedSenders = ["bad"], DenyMessage = "no" } },
                ],
            },
        };

        var decision = ChannelAccess.Check(instance, "telegram", sender, chat);

        Assert.Equal((allowed, reason), (decision.Allowed, decision.Reason));
        Assert.True(ChannelAccess.Check(instance, "slack", "anyone", "anywhere").Allowed);
        Assert.True(ChannelAccess.Check(instance, "discord", "anyone", "anywhere").Allowed);
    }

    [Fact]
    public void Reply_text_prefers_the_response_then_a_short_failure_then_no_response()
    {
        Assert.Equal("ok", ReplyText.ForCompleted(new AgentResult { Status = "success", Response = "ok", Error = "ignored" }));
        Assert.Equal("Sorry, the agent failed: bad key", ReplyText.ForCompleted(new AgentResult { Status = "error", Error = " bad\n\tkey " }));
        Assert.Equal("Sorry, the agent failed.", ReplyText.ForCompleted(new AgentResult { Status = "error" }));
        Assert.Equal("(no response)", ReplyText.ForCompleted(new AgentResult { Status = "success", Response = "  " }));
        Assert.Equal("(no response)", ReplyText.ForCompleted(null));
        Assert.Equal("Sorry, the agent failed.", ReplyText.ForFailure(null));

        Assert.Equal("Your message could not be run: denied by policy", ReplyText.ForRefusal(" denied\nby policy "));
        Assert.Equal("Your message could not be run.", ReplyText.ForRefusal(null));
        var longReason = ReplyText.ForFailure(new string('x', 1000));
        Assert.Equal("Sorry, the agent failed: ".Length + ReplyText.MaxReasonLength, longReason.Length);
        Assert.EndsWith("x…", longReason, StringComparison.Ordinal);
    }
}

/// <summary>Collects formatted log lines (the router logs why it refuses or skips something).</summary>
internal sealed class ListLogger : ILogger
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _lines.Enqueue(formatter(state, exception));
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, JsonElement>))]
internal sealed partial class TestJson : System.Text.Json.Serialization.JsonSerializerContext;
