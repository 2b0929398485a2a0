using System.ComponentModel;
using Sympozium.Api.Meta;
using Sympozium.Api.Schema;

namespace Sympozium.Api.Kinds;

/// <summary>An agent deployment: its model, channels, skills, memory, policy and credentials.</summary>
[CustomResource("SympoziumInstance", "sympoziuminstances", ShortNames = ["syi"])]
[PrinterColumn("Phase", "string", ".status.phase")]
[PrinterColumn("Active Agents", "integer", ".status.activeAgentPods")]
[PrinterColumn("Total Runs", "integer", ".status.totalAgentRuns")]
[Description("SympoziumInstance is one agent deployment: its model, channels, skills, memory, policy and credentials.")]
public sealed class SympoziumInstance() : CustomResource<SympoziumInstanceSpec, SympoziumInstanceStatus>(KindName)
{
    public const string KindName = "SympoziumInstance";
}

[Description("Desired state of the instance.")]
public sealed class SympoziumInstanceSpec
{
    [Description("Channel connections (Telegram, Slack, Discord, WhatsApp); each gets its own Deployment.")]
    public List<ChannelSpec>? Channels { get; set; }

    [SchemaRequired]
    [Description("Agent configuration.")]
    public AgentsSpec Agents { get; set; } = new();

    [Description("Skills mounted into every run of this instance (runs without their own skills inherit them).")]
    public List<SkillRef>? Skills { get; set; }

    [Format(Formats.Dns1123Subdomain)]
    [Description("Name of the SympoziumPolicy in the same namespace that governs this instance's runs.")]
    public string? PolicyRef { get; set; }

    [Description("Provider credentials; the first non-empty secret becomes each run's model.authSecretRef.")]
    public List<SecretRef>? AuthRefs { get; set; }

    [Description("ConfigMap-backed memory injected into runs and updated from their memory markers.")]
    public MemorySpec? Memory { get; set; }

    [Description("OpenTelemetry export settings for agent pods.")]
    public ObservabilitySpec? Observability { get; set; }

    [Description("MCP servers whose tools the agent may call, through the mcp-bridge sidecar.")]
    public List<McpServerRef>? McpServers { get; set; }

    [Description("Deprecated: serving is configured through the web-endpoint skill. Read only by the UIs.")]
    public WebEndpointSpec? WebEndpoint { get; set; }

    [Description("Image pull Secrets copied onto run pods.")]
    public List<LocalObjectReference>? ImagePullSecrets { get; set; }
}

[Description("A channel connection.")]
public sealed class ChannelSpec
{
    [SchemaRequired, EnumValues("telegram", "whatsapp", "discord", "slack")]
    [Description("Channel type: telegram, whatsapp, discord or slack.")]
    public string Type { get; set; } = "";

    [Description("Secret with the channel's credentials, loaded into the channel pod with envFrom.")]
    public ChannelConfigRef? ConfigRef { get; set; }

    [Description("Who may trigger runs through this channel.")]
    public ChannelAccessControl? AccessControl { get; set; }

    [Description("Let agents send_channel_message to any chat of this channel (within accessControl.allowedChats). Default false: a run may message only the chat it answers.")]
    public bool? AllowAgentMessagesToAnyChat { get; set; }
}

[Description("A Secret reference for a channel.")]
public sealed class ChannelConfigRef
{
    [Description("Unused for channels; kept for compatibility with the shared Secret reference shape.")]
    public string? Provider { get; set; }

    [SchemaRequired, Format(Formats.Dns1123Subdomain)]
    [Description("Name of the Secret in the instance's namespace.")]
    public string Secret { get; set; } = "";
}

[Description("Agent configuration.")]
public sealed class AgentsSpec
{
    [SchemaRequired]
    [Description("Defaults applied to every run of the instance.")]
    public AgentConfig Default { get; set; } = new();
}

[Description("Defaults for the instance's runs.")]
public sealed class AgentConfig
{
    [SchemaRequired, MinLength(1)]
    [Description("LLM model name, e.g. gpt-4o, claude-sonnet-4, llama3.2.")]
    public string Model { get; set; } = "";

    [Format(Formats.HttpUrl)]
    [Description("Provider endpoint override, e.g. http://ollama.default.svc:11434/v1.")]
    public string? BaseURL { get; set; }

    [EnumValues("off", "low", "medium", "high")]
    [Description("Extended thinking level: off, low, medium or high.")]
    public string? Thinking { get; set; }

    [Description("Sandbox sidecar defaults.")]
    public InstanceSandboxSpec? Sandbox { get; set; }

    [Description("Agent-sandbox backend defaults.")]
    public AgentSandboxInstanceSpec? AgentSandbox { get; set; }

    [Description("Limits for sub-agents spawned by runs.")]
    public SubagentsSpec? Subagents { get; set; }

    [Format(Formats.GoDuration)]
    [Description("Run timeout used when a run sets none, as a Go duration (e.g. 15m).")]
    public string? RunTimeout { get; set; }

    [Description("Node labels run pods must match, e.g. kubernetes.io/hostname: gpu-1.")]
    public Dictionary<string, string>? NodeSelector { get; set; }

    [Description("Lifecycle hooks copied into every run.")]
    public LifecycleHooks? Lifecycle { get; set; }
}

[Description("Sandbox sidecar defaults.")]
public sealed class InstanceSandboxSpec
{
    [SchemaRequired]
    [Description("Add a sandbox sidecar to runs.")]
    public bool Enabled { get; set; }

    [Description("Sandbox image override.")]
    public string? Image { get; set; }

    [Description("Sandbox resources.")]
    public SandboxResources? Resources { get; set; }
}

[Description("Sub-agent limits.")]
public sealed class SubagentsSpec
{
    [SchemaDefault(2), Minimum(0)]
    [Description("Maximum spawn depth.")]
    public int? MaxDepth { get; set; }

    [SchemaDefault(5), Minimum(0)]
    [Description("Maximum sub-agents running at once.")]
    public int? MaxConcurrent { get; set; }

    [SchemaDefault(3), Minimum(0)]
    [Description("Maximum children of one agent.")]
    public int? MaxChildrenPerAgent { get; set; }
}

[Description("ConfigMap-backed memory.")]
public sealed class MemorySpec
{
    [SchemaRequired, SchemaDefault(true)]
    [Description("Keep a <instance>-memory ConfigMap and inject it into runs.")]
    public bool Enabled { get; set; } = true;

    [SchemaDefault(256), Minimum(1)]
    [Description("Maximum memory size in KiB.")]
    public int? MaxSizeKB { get; set; }

    [Description("System prompt for the instance (PersonaPacks write the persona prompt here).")]
    public string? SystemPrompt { get; set; }
}

[Description("OpenTelemetry settings.")]
public sealed class ObservabilitySpec
{
    [SchemaDefault(false)]
    [Description("Inject OpenTelemetry settings into agent pods.")]
    public bool? Enabled { get; set; }

    [Description("OTLP endpoint, e.g. otel-collector.observability.svc:4317.")]
    public string? OtlpEndpoint { get; set; }

    [EnumValues("grpc", "http/protobuf")]
    [Description("OTLP protocol: grpc or http/protobuf.")]
    public string? OtlpProtocol { get; set; }

    [Description("service.name reported by agent pods.")]
    public string? ServiceName { get; set; }

    [Description("Headers sent to the OTLP endpoint.")]
    public Dictionary<string, string>? Headers { get; set; }

    [Description("Secret whose keys are sent as OTLP headers.")]
    public string? HeadersSecretRef { get; set; }

    [Description("Trace sampling ratio between 0 and 1.")]
    public double? SamplingRatio { get; set; }

    [Description("Extra resource attributes, merged into OTEL_RESOURCE_ATTRIBUTES.")]
    public Dictionary<string, string>? ResourceAttributes { get; set; }
}

[Description("An MCP server whose tools the agent may call.")]
public sealed class McpServerRef
{
    [SchemaRequired, MinLength(1)]
    [Description("Name of an MCPServer resource, or a label for the server at url.")]
    public string Name { get; set; } = "";

    [Format(Formats.HttpUrl)]
    [Description("Server URL; when empty the MCPServer named above supplies it.")]
    public string? Url { get; set; }

    [SchemaRequired, MinLength(1)]
    [Description("Prefix for the server's tools (<prefix>_<tool>).")]
    public string ToolsPrefix { get; set; } = "";

    [SchemaDefault(30), Minimum(1)]
    [Description("Per-request timeout in seconds.")]
    public int? Timeout { get; set; }

    [Description("Secret holding the bearer token for the server.")]
    public string? AuthSecret { get; set; }

    [Description("Key in authSecret (default token).")]
    public string? AuthKey { get; set; }

    [Description("Extra HTTP headers sent to the server.")]
    public Dictionary<string, string>? Headers { get; set; }

    [Description("Only these tools (unprefixed names) are exposed.")]
    public List<string>? ToolsAllow { get; set; }

    [Description("These tools (unprefixed names) are hidden.")]
    public List<string>? ToolsDeny { get; set; }
}

[Description("Deprecated web endpoint settings.")]
public sealed class WebEndpointSpec
{
    [SchemaDefault(false)]
    [Description("Serve the instance over HTTP.")]
    public bool? Enabled { get; set; }

    [Description("Hostname for the route.")]
    public string? Hostname { get; set; }

    [Description("Secret holding the API key.")]
    public string? AuthSecretRef { get; set; }

    [Description("Request rate limits.")]
    public RateLimitSpec? RateLimit { get; set; }
}

[Description("Request rate limits.")]
public sealed class RateLimitSpec
{
    [SchemaDefault(60), Minimum(1)]
    [Description("Sustained requests per minute.")]
    public int? RequestsPerMinute { get; set; }

    [SchemaDefault(10), Minimum(1)]
    [Description("Burst size.")]
    public int? BurstSize { get; set; }
}

[Description("Observed state of the instance.")]
public sealed class SympoziumInstanceStatus
{
    [EnumValues("Pending", "Running", "Serving", "Error")]
    [Description("Pending, Running, Serving (a run is serving HTTP) or Error.")]
    public string? Phase { get; set; }

    [Description("State of each channel.")]
    public List<ChannelStatus>? Channels { get; set; }

    [Description("Runs of the instance currently Running or Serving.")]
    public int? ActiveAgentPods { get; set; }

    [Description("Runs ever created for the instance.")]
    public long? TotalAgentRuns { get; set; }

    [Description("Standard conditions.")]
    public List<Condition>? Conditions { get; set; }

    [Description("Web endpoint state.")]
    public WebEndpointStatus? WebEndpoint { get; set; }
}

[Description("State of one channel.")]
public sealed class ChannelStatus
{
    [SchemaRequired]
    [Description("Channel type.")]
    public string Type { get; set; } = "";

    [EnumValues("Pending", "Connected", "Disconnected", "Error")]
    [Description("Pending, Connected, Disconnected or Error.")]
    public string? Status { get; set; }

    [Description("Last successful health check.")]
    public DateTimeOffset? LastHealthCheck { get; set; }

    [Description("Details, e.g. the missing Secret.")]
    public string? Message { get; set; }
}

[Description("Web endpoint state.")]
public sealed class WebEndpointStatus
{
    [Description("Endpoint state.")]
    public string? Status { get; set; }

    [Description("Public URL.")]
    public string? Url { get; set; }

    [Description("Secret holding the API key.")]
    public string? AuthSecretName { get; set; }
}
