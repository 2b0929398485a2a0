namespace Sympozium.Api.WellKnown;

/// <summary>
/// Names of the environment variables the controller sets on the pods it builds, and that the
/// components in those pods read: one name, used by the builder that sets it and by the options
/// class that reads it, so the two cannot drift apart. Same names as upstream, so an upstream
/// image in one of our pods (or ours in theirs) reads what it expects.
/// </summary>
public static class EnvironmentVariables
{
    // ---- The run, on the agent, the ipc-bridge, the mcp-bridge and lifecycle hooks.

    /// <summary>The AgentRun's name.</summary>
    public const string AgentRunId = "AGENT_RUN_ID";

    /// <summary>The run's namespace.</summary>
    public const string AgentNamespace = "AGENT_NAMESPACE";

    /// <summary>The SympoziumInstance (also on channel pods and the web-proxy).</summary>
    public const string InstanceName = "INSTANCE_NAME";

    /// <summary>The W3C traceparent continuing the run's trace.</summary>
    public const string TraceParent = "TRACEPARENT";

    // ---- The agent container (read by the agent runner).

    public const string AgentId = "AGENT_ID";
    public const string SessionKey = "SESSION_KEY";
    public const string PersonaPackName = "PERSONA_PACK_NAME";
    public const string Task = "TASK";

    /// <summary>Pod path of the file holding the task (the controller mounts the run's input ConfigMap there instead of setting TASK).</summary>
    public const string TaskFile = "TASK_FILE";

    /// <summary>Pod path of the agent container's terminationMessagePath, where the runner leaves its outcome for the controller.</summary>
    public const string TerminationMessagePath = "TERMINATION_MESSAGE_PATH";

    /// <summary>The agent's share of the pod's termination-message budget, in bytes (a kubelet divides 12 KiB among the pod's containers, at most 4 KiB each).</summary>
    public const string TerminationMessageMaxBytes = "TERMINATION_MESSAGE_MAX_BYTES";
    public const string SystemPrompt = "SYSTEM_PROMPT";
    public const string ModelProvider = "MODEL_PROVIDER";
    public const string ModelName = "MODEL_NAME";
    public const string ModelBaseUrl = "MODEL_BASE_URL";
    public const string ThinkingMode = "THINKING_MODE";

    /// <summary>The run's one deadline, as a Go duration.</summary>
    public const string RunTimeout = "RUN_TIMEOUT";

    /// <summary>"true" when the instance's memory ConfigMap is mounted.</summary>
    public const string MemoryEnabled = "MEMORY_ENABLED";

    /// <summary>The instance's memory server, when the memory skill is on.</summary>
    public const string MemoryServerUrl = "MEMORY_SERVER_URL";

    /// <summary>"true": the built-in tools are on.</summary>
    public const string ToolsEnabled = "TOOLS_ENABLED";

    /// <summary>"true" when the policy lets fetch_url reach private networks.</summary>
    public const string FetchAllowPrivate = "SYMPOZIUM_FETCH_ALLOW_PRIVATE";

    /// <summary>The channel a reply goes to (from the run's reply annotations).</summary>
    public const string SourceChannel = "SOURCE_CHANNEL";

    /// <summary>The chat a reply goes to.</summary>
    public const string SourceChatId = "SOURCE_CHAT_ID";

    // ---- The event bus (ipc-bridge, channel pods, controller).

    /// <summary>The NATS URL.</summary>
    public const string EventBusUrl = "EVENT_BUS_URL";

    /// <summary>The NATS URL as the controller's own Deployment names it (wins over <see cref="EventBusUrl"/> there).</summary>
    public const string NatsUrl = "NATS_URL";

    public const string NatsToken = "NATS_TOKEN";
    public const string NatsUser = "NATS_USER";
    public const string NatsPassword = "NATS_PASSWORD";

    /// <summary>Path of a NATS credentials file (user JWT + seed) the controller minted for this pod.</summary>
    public const string NatsCredentials = "NATS_CREDS";

    /// <summary>The reply-inbox prefix the credentials allow (e.g. <c>_INBOX.run-…</c>).</summary>
    public const string NatsInboxPrefix = "NATS_INBOX_PREFIX";

    /// <summary>"false": never create or update the stream (only the controller manages it).</summary>
    public const string EventBusManageStream = "EVENT_BUS_MANAGE_STREAM";

    /// <summary>Directory of the NATS account signing key (files <c>seed</c> and <c>account</c>) the controller mints credentials with.</summary>
    public const string NatsSigningKeyDirectory = "NATS_SIGNING_KEY_DIR";

    /// <summary>The uid of the AgentRun (the ipc-bridge's subjects and consumers are keyed by it).</summary>
    public const string AgentRunUid = "AGENT_RUN_UID";

    /// <summary>How long NATS may be unreachable before a component gives up.</summary>
    public const string EventBusConnectTimeout = "EVENT_BUS_CONNECT_TIMEOUT";

    /// <summary>"true" on the ipc-bridge of a gated run: completion is held back for the gate.</summary>
    public const string GateSuppressCompletion = "GATE_SUPPRESS_COMPLETION";

    // ---- The mcp-bridge.

    public const string McpConfigPath = "MCP_CONFIG_PATH";
    public const string McpIpcPath = "MCP_IPC_PATH";
    public const string McpManifestPath = "MCP_MANIFEST_PATH";
    public const string McpDiscoverOnly = "MCP_DISCOVER_ONLY";

    /// <summary>
    /// How long the agent-runner waits for the MCP tool manifest (Go duration; default 5 s). The
    /// controller sets <c>0s</c> on runs without an MCP server: no manifest will come, and waiting
    /// for it delayed every such run by 5 s.
    /// </summary>
    public const string McpManifestWait = "MCP_MANIFEST_WAIT";

    /// <summary>Prefix of the bearer token of one MCP server: <c>MCP_AUTH_&lt;NAME&gt;</c>.</summary>
    public const string McpAuthPrefix = "MCP_AUTH_";

    // ---- Skill sidecars and the web-proxy.

    /// <summary>Prefix of a skill parameter: <c>SKILL_&lt;KEY&gt;</c>.</summary>
    public const string SkillParamPrefix = "SKILL_";

    public const string WebProxyApiKey = "WEB_PROXY_API_KEY";
    public const string RateLimitRpm = "RATE_LIMIT_RPM";
    public const string RateLimitBurst = "RATE_LIMIT_BURST";

    // ---- postRun hooks.

    /// <summary>0 when the agent succeeded.</summary>
    public const string AgentExitCode = "AGENT_EXIT_CODE";

    /// <summary>The agent's reply, or why it failed (cut to 32 KiB).</summary>
    public const string AgentResult = "AGENT_RESULT";

    /// <summary>"true" on the gate hook.</summary>
    public const string GateHook = "GATE_HOOK";

    // ---- The memory server.

    public const string MemoryDbPath = "MEMORY_DB_PATH";
    public const string MemoryPort = "MEMORY_PORT";

    // ---- Pods that serve health probes (channel pods, controller).

    /// <summary>The pod's namespace, from the downward API.</summary>
    public const string PodNamespace = "POD_NAMESPACE";

    /// <summary>The pod's IP, from the downward API: the address to serve on.</summary>
    public const string PodIp = "POD_IP";

    public const string HealthPort = "HEALTH_PORT";

    // ---- Observability (ours, and the OpenTelemetry SDK's standard names).

    public const string SympoziumOtelEnabled = "SYMPOZIUM_OTEL_ENABLED";
    public const string SympoziumOtelOtlpEndpoint = "SYMPOZIUM_OTEL_OTLP_ENDPOINT";
    public const string SympoziumOtelOtlpProtocol = "SYMPOZIUM_OTEL_OTLP_PROTOCOL";
    public const string SympoziumOtelServiceName = "SYMPOZIUM_OTEL_SERVICE_NAME";
    public const string SympoziumOtelResourceAttributes = "SYMPOZIUM_OTEL_RESOURCE_ATTRIBUTES";
    public const string OtelExporterOtlpEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string OtelExporterOtlpProtocol = "OTEL_EXPORTER_OTLP_PROTOCOL";
    public const string OtelServiceName = "OTEL_SERVICE_NAME";
    public const string OtelResourceAttributes = "OTEL_RESOURCE_ATTRIBUTES";

    // ---- Paths.

    /// <summary>Root under which /ipc, /skills, /workspace, … are resolved (default /).</summary>
    public const string Root = "SYMPOZIUM_ROOT";

    /// <summary>
    /// Variables the controller sets on agent-pod containers that decide what the agent may do or
    /// who it is; an AgentRun's <c>spec.env</c> may not set them (the webhook refuses it, the
    /// controller drops them): otherwise a run could lift its own SSRF guard
    /// (SYMPOZIUM_FETCH_ALLOW_PRIVATE) or point its runner at another task or identity.
    /// Every <c>SYMPOZIUM_*</c> name is reserved too.
    /// </summary>
    public static bool IsReservedForController(string name) =>
        name.StartsWith("SYMPOZIUM_", StringComparison.Ordinal) || ReservedNames.Contains(name);

    private static readonly HashSet<string> ReservedNames = new(StringComparer.Ordinal)
    {
        AgentRunId, AgentRunUid, AgentNamespace, InstanceName, AgentId, SessionKey, PersonaPackName, Task, TaskFile,
        TerminationMessagePath, TerminationMessageMaxBytes, SystemPrompt, ModelProvider, ModelName, ModelBaseUrl, ThinkingMode,
        RunTimeout, MemoryEnabled, MemoryServerUrl, ToolsEnabled, SourceChannel, SourceChatId, TraceParent,
        EventBusUrl, NatsUrl, NatsToken, NatsUser, NatsPassword, NatsCredentials, NatsInboxPrefix, EventBusManageStream,
        GateSuppressCompletion, McpConfigPath, McpIpcPath, McpManifestPath, McpDiscoverOnly, McpManifestWait,
    };
}
