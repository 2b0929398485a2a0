namespace Sympozium.Api.WellKnown;

/// <summary>
/// Event-bus topics and subjects, all in the JetStream stream <see cref="Stream"/>. Every event
/// travels on a scoped subject that names who may publish it, so NATS permissions can hold
/// each credential to its own (docs/design/event-bus.md#subjects):
/// <list type="bullet">
/// <item><c>sympozium.run.NS.RUNUID.out.TOPIC</c>: published by one run's ipc-bridge (and the controller for that run);</item>
/// <item><c>sympozium.run.NS.RUNUID.in.TOPIC</c>: delivered to one run's ipc-bridge;</item>
/// <item><c>sympozium.instance.NS.INSTANCE.CHANNEL.out.TOPIC</c>: published by one instance's channel pod;</item>
/// <item><c>sympozium.instance.NS.INSTANCE.CHANNEL.in.TOPIC</c>: delivered to that channel pod.</item>
/// </list>
/// The envelope (topic, metadata, data) is upstream's; upstream's flat subject <c>sympozium.TOPIC</c>
/// (<see cref="Subject(string)"/>) is no longer published by any component here.
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

    /// <summary>Follow-up messages for a run (delivered on <see cref="ToRun"/>).</summary>
    public const string AgentFollowup = "agent.followup";

    public const string RunScope = "run";
    public const string InstanceScope = "instance";
    public const string Out = "out";
    public const string In = "in";

    /// <summary>Upstream's flat subject of a topic, <c>sympozium.TOPIC</c>.</summary>
    public static string Subject(string topic) => Prefix + topic;

    /// <summary>What one run publishes: <c>sympozium.run.NS.RUNUID.out.TOPIC</c>.</summary>
    public static string FromRun(string ns, string runUid, string topic) => RunBase(ns, runUid) + Out + "." + topic;

    /// <summary>What one run receives: <c>sympozium.run.NS.RUNUID.in.TOPIC</c>.</summary>
    public static string ToRun(string ns, string runUid, string topic) => RunBase(ns, runUid) + In + "." + topic;

    /// <summary>Every subject one run may publish on.</summary>
    public static string AllFromRun(string ns, string runUid) => RunBase(ns, runUid) + Out + ".>";

    /// <summary>A topic published by any run (the controller's filter).</summary>
    public static string FromAnyRun(string topic) => Prefix + RunScope + ".*.*." + Out + "." + topic;

    /// <summary>What one instance's channel pod publishes: <c>sympozium.instance.NS.INSTANCE.CHANNEL.out.TOPIC</c>.</summary>
    public static string FromChannel(string ns, string instance, string channel, string topic) => ChannelBase(ns, instance, channel) + Out + "." + topic;

    /// <summary>What one instance's channel pod receives.</summary>
    public static string ToChannel(string ns, string instance, string channel, string topic) => ChannelBase(ns, instance, channel) + In + "." + topic;

    /// <summary>Every subject one channel pod may publish on.</summary>
    public static string AllFromChannel(string ns, string instance, string channel) => ChannelBase(ns, instance, channel) + Out + ".>";

    /// <summary>A topic published by any channel pod (the controller's filter).</summary>
    public static string FromAnyChannel(string topic) => Prefix + InstanceScope + ".*.*.*." + Out + "." + topic;

    /// <summary>A topic delivered to any channel pod (for observers with every right, e.g. tests).</summary>
    public static string ToAnyChannel(string topic) => Prefix + InstanceScope + ".*.*.*." + In + "." + topic;

    /// <summary>
    /// A Kubernetes name as one subject token: a dot (allowed in names, a separator in subjects)
    /// becomes <c>_</c>, which no Kubernetes name contains, so the mapping cannot collide.
    /// </summary>
    /// <exception cref="ArgumentException">Empty, or a character no Kubernetes name, uid or channel type has.</exception>
    public static string Token(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
        {
            throw new ArgumentException("an event-bus subject token cannot be empty", nameof(name));
        }

        foreach (var c in name)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '.'))
            {
                throw new ArgumentException($"'{name}' cannot name an event-bus scope: only letters, digits, '-' and '.' are allowed (a Kubernetes name or uid)", nameof(name));
            }
        }

        return name.Replace('.', '_');
    }

    /// <summary>The name a <see cref="Token"/> came from.</summary>
    public static string FromToken(string token) => token.Replace('_', '.');

    /// <summary>Reads a scoped subject; false for anything else (upstream's flat subjects included).</summary>
    public static bool TryParse(string subject, out ScopedSubject scoped)
    {
        scoped = default;
        if (subject is null || !subject.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var tokens = subject[Prefix.Length..].Split('.');
        var (scope, named) = tokens.Length > 0 ? (tokens[0], tokens[0] == RunScope ? 2 : tokens[0] == InstanceScope ? 3 : -1) : ("", -1);
        if (named < 0 || tokens.Length < named + 3 || tokens[named + 1] is not (Out or In) || tokens.Skip(1).Take(named).Any(t => t.Length == 0 || t is "*" or ">"))
        {
            return false;
        }

        scoped = new ScopedSubject(
            scope,
            FromToken(tokens[1]),
            FromToken(tokens[2]),
            named == 3 ? FromToken(tokens[3]) : null,
            tokens[named + 1] == Out,
            string.Join('.', tokens.Skip(named + 2)));
        return true;
    }

    private static string RunBase(string ns, string runUid) => Prefix + RunScope + "." + Token(ns) + "." + Token(runUid) + ".";

    private static string ChannelBase(string ns, string instance, string channel) =>
        Prefix + InstanceScope + "." + Token(ns) + "." + Token(instance) + "." + Token(channel) + ".";

    /// <summary>Envelope metadata keys.</summary>
    public static class Metadata
    {
        public const string AgentRunId = "agentRunID";
        public const string InstanceName = "instanceName";
        public const string Namespace = "namespace";
        public const string Channel = "channel";
    }
}

/// <summary>
/// A scoped subject read back (<see cref="NatsSubjects.TryParse"/>): for a run, <see cref="Name"/>
/// is the run's uid; for an instance, the instance name and <see cref="Channel"/> the channel type.
/// </summary>
public readonly record struct ScopedSubject(string Scope, string Namespace, string Name, string? Channel, bool Outbound, string Topic)
{
    public bool IsRun => Scope == NatsSubjects.RunScope;

    public bool IsInstance => Scope == NatsSubjects.InstanceScope;
}
