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
    public void Nats_subjects_are_prefixed_topics()
    {
        Assert.Equal("sympozium.agent.run.completed", NatsSubjects.Subject(NatsSubjects.AgentRunCompleted));
        Assert.Equal("sympozium.channel.message.received", NatsSubjects.Subject(NatsSubjects.ChannelMessageReceived));
        Assert.Equal("sympozium.agent.followup.r1", NatsSubjects.AgentFollowup("r1"));
        Assert.Equal("sympozium.tool.exec.result.r1", NatsSubjects.ToolExecResultFor("r1"));
        Assert.Equal("agentRunID", NatsSubjects.Metadata.AgentRunId);
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
