using Sympozium.Api.WellKnown;

namespace Sympozium.Api.Tests;

/// <summary>Names other processes depend on (labels, subjects, IPC paths, markers) keep their upstream spelling.</summary>
public class WellKnownNamesTests
{
    [Fact]
    public void Labels_annotations_and_finalizers_use_the_upstream_keys()
    {
        Assert.Equal("sympozium.ai/instance", Labels.Instance);
        Assert.Equal("sympozium.ai/agent-run", Labels.AgentRun);
        Assert.Equal("sympozium.ai/component", Labels.Component);
        Assert.Equal("sympozium.ai/reply-chat-id", Annotations.ReplyChatId);
        Assert.Equal("otel.dev/traceparent", Annotations.TraceParent);
        Assert.Equal("sympozium.ai/agentrun-finalizer", Finalizers.AgentRun);
        Assert.Equal("sympozium.ai/finalizer", Finalizers.Instance);
    }

    [Fact]
    public void Nats_subjects_are_scoped_by_namespace_and_run_uid_or_instance_and_channel()
    {
        Assert.Equal("sympozium.agent.run.completed", NatsSubjects.Subject(NatsSubjects.AgentRunCompleted));
        Assert.Equal("sympozium.run.team-a.0d1f-uid.out.agent.run.completed", NatsSubjects.FromRun("team-a", "0d1f-uid", NatsSubjects.AgentRunCompleted));
        Assert.Equal("sympozium.run.team-a.0d1f-uid.in.agent.followup", NatsSubjects.ToRun("team-a", "0d1f-uid", NatsSubjects.AgentFollowup));
        Assert.Equal("sympozium.instance.team-a.my_bot.telegram.out.channel.message.received", NatsSubjects.FromChannel("team-a", "my.bot", "telegram", NatsSubjects.ChannelMessageReceived));
        Assert.Equal("sympozium.run.*.*.out.agent.run.*", NatsSubjects.FromAnyRun("agent.run.*"));
        Assert.Equal("agentRunID", NatsSubjects.Metadata.AgentRunId);
    }

    [Fact]
    public void A_scoped_subject_reads_back_and_names_that_would_escape_a_token_are_refused()
    {
        Assert.True(NatsSubjects.TryParse(NatsSubjects.FromChannel("team-a", "my.bot", "slack", NatsSubjects.ChannelMessageReceived), out var channel));
        Assert.Equal(("team-a", "my.bot", "slack", true, NatsSubjects.ChannelMessageReceived), (channel.Namespace, channel.Name, channel.Channel, channel.Outbound, channel.Topic));
        Assert.True(NatsSubjects.TryParse(NatsSubjects.ToRun("ns", "u-1", NatsSubjects.ToolExecResult), out var run));
        Assert.Equal((true, "ns", "u-1", false, NatsSubjects.ToolExecResult), (run.IsRun, run.Namespace, run.Name, run.Outbound, run.Topic));
        Assert.False(NatsSubjects.TryParse("sympozium.channel.message.received", out _));
        Assert.False(NatsSubjects.TryParse("sympozium.run.ns.uid.sideways.x", out _));
        Assert.Throws<ArgumentException>(() => NatsSubjects.FromRun("team-a", "uid.*", NatsSubjects.AgentRunCompleted));
        Assert.Throws<ArgumentException>(() => NatsSubjects.FromChannel("team-a", "a>b", "telegram", NatsSubjects.ChannelMessageReceived));
        Assert.Throws<ArgumentException>(() => NatsSubjects.FromChannel("team a", "bot", "telegram", NatsSubjects.ChannelMessageReceived));
    }

    [Fact]
    public void Ipc_paths_resolve_under_the_sympozium_root()
    {
        Assert.Equal("/ipc/output/result.json", IpcPaths.Resolve(IpcPaths.ResultFile, null));
        Assert.Equal("/ipc/done", IpcPaths.Resolve(IpcPaths.DoneFile, "/"));
        Assert.Equal("/var/lib/pods/p1/ipc/done", IpcPaths.Resolve(IpcPaths.DoneFile, "/var/lib/pods/p1"));
        Assert.Equal(6, IpcPaths.BridgeDirectories.Count);
    }

    [Fact]
    public void Result_marker_round_trips_and_the_last_complete_one_wins()
    {
        var log = "starting\n" + LogMarkers.FormatResult("""{"status":"error"}""")
            + "retrying\n" + LogMarkers.FormatResult("""{"status":"success","response":"hi"}""")
            + "__SYMPOZIUM_RESULT__{\"status\":\"trunc";

        Assert.Equal("""{"status":"success","response":"hi"}""", LogMarkers.LastResult(log));
        Assert.Null(LogMarkers.LastResult("no markers here"));
    }

    [Fact]
    public void Memory_marker_content_is_trimmed_and_blank_blocks_ignored()
    {
        Assert.Equal("new mem", LogMarkers.LastMemory("x" + LogMarkers.FormatMemory("\nnew mem\n")));
        Assert.Null(LogMarkers.LastMemory(LogMarkers.FormatMemory("   ")));
    }

    [Fact]
    public void Node_annotations_distinguish_targets_from_bookkeeping_keys()
    {
        Assert.Equal("sympozium.ai/inference-ollama", NodeAnnotations.Target("ollama"));
        Assert.Equal("sympozium.ai/inference-models-ollama", NodeAnnotations.Models("ollama"));
        Assert.True(NodeAnnotations.IsTargetKey("sympozium.ai/inference-vllm"));
        Assert.False(NodeAnnotations.IsTargetKey(NodeAnnotations.Healthy));
        Assert.False(NodeAnnotations.IsTargetKey(NodeAnnotations.LastProbe));
        Assert.False(NodeAnnotations.IsTargetKey(NodeAnnotations.ProxyPort));
        Assert.False(NodeAnnotations.IsTargetKey("sympozium.ai/inference-models-vllm"));
    }
}
