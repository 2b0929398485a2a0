using Sympozium.Api.WellKnown;
using Sympozium.EventBus;

namespace Sympozium.IpcBridge;

/// <summary>
/// The bridge's settings, bound from the environment the controller sets on the ipc-bridge
/// container (same variable names as upstream). Timings have defaults only; tests change them
/// with <c>with</c>.
/// </summary>
internal sealed record IpcBridgeOptions
{
    public const string AgentRunIdVariable = EnvironmentVariables.AgentRunId;
    public const string InstanceNameVariable = EnvironmentVariables.InstanceName;
    public const string AgentNamespaceVariable = EnvironmentVariables.AgentNamespace;
    public const string SuppressCompletionVariable = EnvironmentVariables.GateSuppressCompletion;
    public const string AgentRunUidVariable = EnvironmentVariables.AgentRunUid;

    /// <summary>The AgentRun name; part of every subject and message id (env AGENT_RUN_ID, required).</summary>
    public required string AgentRunId { get; init; }

    /// <summary>
    /// The AgentRun's uid (env AGENT_RUN_UID, required): with <see cref="AgentNamespace"/> it keys
    /// the subjects and consumers (docs/design/event-bus.md#subjects), so two runs of the same
    /// name in two namespaces, or one after the other, never share them.
    /// </summary>
    public required string AgentRunUid { get; init; }

    /// <summary>The SympoziumInstance (env INSTANCE_NAME; default empty, as upstream).</summary>
    public string InstanceName { get; init; } = "";

    /// <summary>The run's namespace (env AGENT_NAMESPACE, required); sent as metadata <c>namespace</c>.</summary>
    public required string AgentNamespace { get; init; }

    /// <summary>The subject of a topic this bridge publishes.</summary>
    public string SubjectFor(string topic) => NatsSubjects.FromRun(AgentNamespace, AgentRunUid, topic);

    /// <summary>The subject of a topic addressed to this run.</summary>
    public string InboundSubject(string topic) => NatsSubjects.ToRun(AgentNamespace, AgentRunUid, topic);

    /// <summary>Gate mode: do not publish completion nor stream chunks (env GATE_SUPPRESS_COMPLETION=true).</summary>
    public bool SuppressCompletion { get; init; }

    /// <summary>The /ipc directory, resolved under SYMPOZIUM_ROOT (default: /ipc).</summary>
    public string IpcDirectory { get; init; } = IpcPaths.Ipc;

    /// <summary>
    /// How long NATS may stay unreachable (at start, or while a file waits to be published)
    /// before the bridge gives up with exit code 1 (default: 60 s, env EVENT_BUS_CONNECT_TIMEOUT).
    /// </summary>
    public TimeSpan BusOutageLimit { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Full rescan of /ipc, the safety net under the file watcher (default: 2 s).</summary>
    public TimeSpan RescanInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A file that is not valid JSON yet is read again until it has not changed for this long (a
    /// writer that does not rename may still be writing); then it is reported and skipped (default: 1 s).
    /// </summary>
    public TimeSpan SettleTime { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// After <c>/ipc/done</c> appears, how long to wait for a <c>result.json</c> that is not there
    /// yet (upstream's runner writes <c>done</c> first on its fatal path) (default: 2 s).
    /// </summary>
    public TimeSpan ResultGrace { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>On SIGTERM, how long to keep publishing what is pending (default: 20 s, inside Kubernetes' 30 s grace).</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// The server removes this run's inbound consumers after this long without the bridge
    /// (default: 1 h), so finished runs leave nothing behind.
    /// </summary>
    public TimeSpan InboundConsumerExpiry { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Envelope metadata of every event this bridge publishes.</summary>
    public IReadOnlyDictionary<string, string> Metadata()
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [NatsSubjects.Metadata.AgentRunId] = AgentRunId,
            [NatsSubjects.Metadata.InstanceName] = InstanceName,
        };
        metadata[NatsSubjects.Metadata.Namespace] = AgentNamespace;

        return metadata;
    }

    /// <summary>Reads the environment.</summary>
    /// <exception cref="FormatException">AGENT_RUN_ID is missing or a value is malformed; the message says which and how to fix it.</exception>
    public static IpcBridgeOptions FromEnvironment(Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        var runId = getVariable(AgentRunIdVariable);
        if (string.IsNullOrWhiteSpace(runId))
        {
            throw new FormatException(
                $"{AgentRunIdVariable} is not set. The controller sets it to the AgentRun name on the ipc-bridge container; " +
                $"set it (e.g. {AgentRunIdVariable}=my-run) when running the bridge by hand.");
        }

        if (runId.Any(c => char.IsWhiteSpace(c) || c is '*' or '>' or '/'))
        {
            throw new FormatException($"{AgentRunIdVariable}='{runId}' is not an AgentRun name: it may not contain spaces, '*', '>' or '/'.");
        }

        var ns = Required(getVariable, AgentNamespaceVariable, "the AgentRun's namespace", "team-a");
        var uid = Required(getVariable, AgentRunUidVariable, "the AgentRun's metadata.uid", "6f1c2a9e-…");
        try
        {
            _ = NatsSubjects.FromRun(ns, uid, NatsSubjects.AgentRunCompleted);
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"{AgentNamespaceVariable}='{ns}' / {AgentRunUidVariable}='{uid}': {e.Message}", e);
        }

        var options = new IpcBridgeOptions
        {
            AgentRunId = runId,
            AgentRunUid = uid,
            InstanceName = getVariable(InstanceNameVariable) ?? "",
            AgentNamespace = ns,
            SuppressCompletion = IsTrue(getVariable(SuppressCompletionVariable)),
            IpcDirectory = IpcPaths.Resolve(IpcPaths.Ipc, getVariable(IpcPaths.RootVariable)),
        };

        var outage = getVariable(EventBusOptions.ConnectTimeoutVariable);
        if (!string.IsNullOrEmpty(outage))
        {
            options = options with { BusOutageLimit = EventBusOptions.ParseTimeout(EventBusOptions.ConnectTimeoutVariable, outage) };
        }

        return options;
    }

    private static string Required(Func<string, string?> getVariable, string variable, string what, string example)
    {
        var value = getVariable(variable);
        return string.IsNullOrWhiteSpace(value)
            ? throw new FormatException($"{variable} is not set. The controller sets it to {what} on the ipc-bridge container; set it (e.g. {variable}={example}) when running the bridge by hand.")
            : value;
    }

    private static bool IsTrue(string? value) =>
        value is not null && (value == "1" || (bool.TryParse(value, out var flag) && flag));
}
