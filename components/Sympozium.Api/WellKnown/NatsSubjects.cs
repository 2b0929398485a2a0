namespace Sympozium.Api.WellKnown;

/// <summary>
/// Event-bus topics and subjects. A topic <c>X</c> travels on subject <c>sympozium.X</c> in the
/// JetStream stream <see cref="Stream"/>.
/// </summary>
public static class NatsSubjects
{
    public const string Stream = "sympozium";
    public const string Prefix = "sympozium.";
    public const string All = "sympozium.>";

    public const string AgentRunRequested = "agent.run.requested";
    public const string AgentRunStarted = "agent.run.started";
    public const string AgentRunCompleted = "agent.run.completed";
    public const string AgentRunFailed = "agent.run.failed";
    public const string AgentStreamChunk = "agent.stream.chunk";
    public const string AgentStatusUpdate = "agent.status.update";
    public const string AgentSpawnRequest = "agent.spawn.request";
    public const string ChannelMessageReceived = "channel.message.received";
    public const string ChannelMessageSend = "channel.message.send";
    public const string ChannelHealthUpdate = "channel.health.update";
    public const string ToolExecRequest = "tool.exec.request";
    public const string ToolExecResult = "tool.exec.result";
    public const string ToolApprovalRequest = "tool.approval.request";
    public const string ToolApprovalResponse = "tool.approval.response";
    public const string ScheduleUpsert = "schedule.upsert";

    /// <summary>The subject of a topic.</summary>
    public static string Subject(string topic) => Prefix + topic;

    /// <summary>Follow-up messages for one run.</summary>
    public static string AgentFollowup(string runId) => Prefix + "agent.followup." + runId;

    /// <summary>Tool results addressed to one run.</summary>
    public static string ToolExecResultFor(string runId) => Prefix + ToolExecResult + "." + runId;

    /// <summary>Envelope metadata keys.</summary>
    public static class Metadata
    {
        public const string AgentRunId = "agentRunID";
        public const string InstanceName = "instanceName";
        public const string Namespace = "namespace";
        public const string Channel = "channel";
    }
}
