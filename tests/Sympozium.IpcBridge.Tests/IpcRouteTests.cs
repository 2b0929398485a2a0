using Sympozium.Api.WellKnown;

namespace Sympozium.IpcBridge.Tests;

/// <summary>The routing table of docs/design/ipc-protocol.md#bridge-routes, as a pure function.</summary>
public sealed class IpcRouteTests
{
    [Theory]
    [InlineData("output/result.json", NatsSubjects.AgentRunCompleted, true)]
    [InlineData("output/status.json", NatsSubjects.AgentStatusUpdate, false)]
    [InlineData("output/stream-0.json", NatsSubjects.AgentStreamChunk, true)]
    [InlineData("spawn/request-1.json", NatsSubjects.AgentSpawnRequest, false)]
    [InlineData("tools/exec-request-abc.json", NatsSubjects.ToolExecRequest, false)]
    [InlineData("messages/send-1.json", NatsSubjects.ChannelMessageSend, false)]
    [InlineData("schedules/schedule-1.json", NatsSubjects.ScheduleUpsert, false)]
    public void Agent_files_map_to_their_topic_and_gate_rule(string path, string topic, bool suppressedByGate)
    {
        var route = IpcRoute.Classify(path);

        Assert.NotNull(route);
        Assert.Equal(topic, route.Topic);
        Assert.Equal(suppressedByGate, route.SuppressedByGate);
        Assert.Equal(path == "output/result.json", route.IsResult);
    }

    [Theory]
    [InlineData("done")]
    [InlineData(".bridge-published")]
    [InlineData("input/task.json")]
    [InlineData("input/followup-1.json")]
    [InlineData("output/result.json.tmp")]
    [InlineData("output/.result.json.ab12.tmp")]
    [InlineData("output/other.json")]
    [InlineData("tools/exec-result-abc.json")]
    [InlineData("tools/mcp-tools.json")]
    [InlineData("tools/mcp-request-1.json")]
    [InlineData("tools/.claim-abc/x")]
    [InlineData("messages/.hidden")]
    [InlineData("messages/nested/send-1.json")]
    [InlineData("messages/")]
    public void Files_outside_the_table_have_no_route(string path)
    {
        Assert.Null(IpcRoute.Classify(path));
    }
}
