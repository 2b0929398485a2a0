using System.ComponentModel;
using Sympozium.Api.Meta;
using Sympozium.Api.Schema;

namespace Sympozium.Api.Kinds;

/// <summary>One agent invocation: a task for an instance, executed as an ephemeral Job (or a server Deployment).</summary>
[CustomResource("AgentRun", "agentruns", ShortNames = ["ar"])]
[PrinterColumn("Instance", "string", ".spec.instanceRef")]
[PrinterColumn("Phase", "string", ".status.phase")]
[PrinterColumn("Pod", "string", ".status.podName")]
[Description("AgentRun is one agent invocation, executed as an ephemeral Job (task mode) or a Deployment (server mode).")]
public sealed class AgentRun() : CustomResource<AgentRunSpec, AgentRunStatus>(KindName)
{
    public const string KindName = "AgentRun";
}

[Description("What the agent should do and with which model, skills and limits.")]
public sealed class AgentRunSpec
{
    /// <summary>
    /// Longest task, in characters (256 Ki). The task reaches the agent as a file from the run's
    /// input ConfigMap (at most 1 MiB), never as an environment variable, which Linux limits to 128 KiB.
    /// </summary>
    public const int MaxTaskLength = 262_144;

    [SchemaRequired, MinLength(1), Format(Formats.Dns1123Subdomain)]
    [Description("SympoziumInstance in the same namespace this run belongs to.")]
    public string InstanceRef { get; set; } = "";

    [SchemaRequired, MinLength(1)]
    [Description("Agent identity (env AGENT_ID).")]
    public string AgentId { get; set; } = "";

    [SchemaRequired]
    [Description("Conversation key (env SESSION_KEY); may be empty.")]
    public string SessionKey { get; set; } = "";

    [Description("Extra environment for the agent container and all hook containers.")]
    public Dictionary<string, string>? Env { get; set; }

    [Description("Lineage of a sub-agent run.")]
    public ParentRef? Parent { get; set; }

    [SchemaRequired, MaxLength(MaxTaskLength)]
    [Description("The task text, at most 262144 characters; the agent reads it from the file /input/task (env TASK_FILE).")]
    public string Task { get; set; } = "";

    [Description("System prompt (env SYSTEM_PROMPT).")]
    public string? SystemPrompt { get; set; }

    [SchemaRequired]
    [Description("LLM provider and model.")]
    public ModelSpec Model { get; set; } = new();

    [Description("Sandbox sidecar for command execution.")]
    public AgentRunSandboxSpec? Sandbox { get; set; }

    [Description("Run in a Sandbox resource (agent-sandbox backend) instead of a Job.")]
    public AgentRunAgentSandboxSpec? AgentSandbox { get; set; }

    [Description("Skills to mount; when empty the instance's skills are used.")]
    public List<SkillRef>? Skills { get; set; }

    [Description("Tools the agent may or may not call.")]
    public ToolPolicySpec? ToolPolicy { get; set; }

    [Format(Formats.GoDuration)]
    [Description("Run timeout as a Go duration (e.g. 10m0s); the instance's runTimeout, else 10m, when empty.")]
    public string? Timeout { get; set; }

    [EnumValues("delete", "keep"), SchemaDefault("delete")]
    [Description("What happens to the Job after the run: delete or keep.")]
    public string? Cleanup { get; set; }

    [EnumValues("task", "server"), SchemaDefault("task")]
    [Description("task runs once as a Job; server runs a long-lived Deployment behind a Service.")]
    public string? Mode { get; set; }

    [Description("Image pull Secrets for the run's pods.")]
    public List<LocalObjectReference>? ImagePullSecrets { get; set; }

    [Description("Hooks run before and after the agent.")]
    public LifecycleHooks? Lifecycle { get; set; }
}

[Description("Lineage of a sub-agent run.")]
public sealed class ParentRef
{
    [SchemaRequired]
    [Description("Name of the parent AgentRun.")]
    public string RunName { get; set; } = "";

    [SchemaRequired]
    [Description("Session key of the parent.")]
    public string SessionKey { get; set; } = "";

    [SchemaRequired, Minimum(0)]
    [Description("Depth of this run below the root run (the root's children have 1).")]
    public int SpawnDepth { get; set; }
}

[Description("LLM provider and model.")]
public sealed class ModelSpec
{
    [SchemaRequired, MinLength(1)]
    [EnumValues("openai", "anthropic", "azure-openai", "ollama", "openai-compatible", "custom", "lm-studio", "bedrock")]
    [Description("Provider: openai, anthropic, azure-openai, ollama, openai-compatible, custom, lm-studio or bedrock.")]
    public string Provider { get; set; } = "";

    [SchemaRequired, MinLength(1)]
    [Description("Model name (env MODEL_NAME).")]
    public string Model { get; set; } = "";

    [Format(Formats.HttpUrl)]
    [Description("Provider endpoint (env MODEL_BASE_URL).")]
    public string? BaseURL { get; set; }

    [EnumValues("off", "low", "medium", "high")]
    [Description("Extended thinking level (env THINKING_MODE).")]
    public string? Thinking { get; set; }

    [SchemaRequired]
    [Description("Secret loaded with envFrom into the agent container; may be empty.")]
    public string AuthSecretRef { get; set; } = "";

    [Description("Node labels the run's pod must match.")]
    public Dictionary<string, string>? NodeSelector { get; set; }
}

[Description("Sandbox sidecar.")]
public sealed class AgentRunSandboxSpec
{
    [SchemaRequired]
    [Description("Add the sandbox sidecar.")]
    public bool Enabled { get; set; }

    [Description("Sandbox image override.")]
    public string? Image { get; set; }

    [Description("Security settings; seccompProfile.type becomes the pod's seccomp profile.")]
    public SandboxSecurityContext? SecurityContext { get; set; }

    [Description("Sandbox resources.")]
    public SandboxResources? Resources { get; set; }
}

[Description("Sandbox security settings.")]
public sealed class SandboxSecurityContext
{
    [Description("Mount the root filesystem read-only.")]
    public bool? ReadOnlyRootFilesystem { get; set; }

    [Description("Refuse to run as root.")]
    public bool? RunAsNonRoot { get; set; }

    [Description("Linux capabilities.")]
    public CapabilitiesSpec? Capabilities { get; set; }

    [Description("Seccomp profile.")]
    public SeccompProfileSpec? SeccompProfile { get; set; }
}

[Description("Linux capabilities.")]
public sealed class CapabilitiesSpec
{
    [Description("Capabilities to drop, e.g. ALL.")]
    public List<string>? Drop { get; set; }
}

[Description("A seccomp profile.")]
public sealed class SeccompProfileSpec
{
    [SchemaRequired, EnumValues("RuntimeDefault", "Unconfined", "Localhost")]
    [Description("RuntimeDefault, Unconfined or Localhost.")]
    public string Type { get; set; } = "";
}

[Description("Agent-sandbox backend for this run.")]
public sealed class AgentRunAgentSandboxSpec
{
    [SchemaRequired]
    [Description("Run in a Sandbox resource.")]
    public bool Enabled { get; set; }

    [Description("RuntimeClass, e.g. gvisor.")]
    public string? RuntimeClass { get; set; }

    [Description("Warm pool to claim a sandbox from.")]
    public string? WarmPoolRef { get; set; }

    [Description("Sandbox resources.")]
    public SandboxResources? Resources { get; set; }
}

[Description("Tools the agent may or may not call.")]
public sealed class ToolPolicySpec
{
    [Description("Tools the agent may call.")]
    public List<string>? Allow { get; set; }

    [Description("Tools the agent may not call.")]
    public List<string>? Deny { get; set; }
}

[Description("Observed state of the run.")]
public sealed class AgentRunStatus
{
    /// <summary>Longest <see cref="Result"/> the controller records (32 Ki characters); a longer reply is cut and marked.</summary>
    public const int MaxResultLength = 32_768;

    /// <summary>Longest <see cref="Error"/> the controller records (4 Ki characters); a longer one is cut and marked.</summary>
    public const int MaxErrorLength = 4_096;

    [EnumValues(AgentRunPhases.Pending, AgentRunPhases.Running, AgentRunPhases.Serving, AgentRunPhases.PostRunning, AgentRunPhases.AwaitingDelegate, AgentRunPhases.Succeeded, AgentRunPhases.Failed)]
    [Description("Pending, Running, Serving, PostRunning, AwaitingDelegate, Succeeded or Failed.")]
    public string? Phase { get; set; }

    [Description("The run's pod (or Sandbox).")]
    public string? PodName { get; set; }

    [Description("The run's Job.")]
    public string? JobName { get; set; }

    [Description("Sandbox resource name (agent-sandbox backend).")]
    public string? SandboxName { get; set; }

    [Description("SandboxClaim name (agent-sandbox warm pool).")]
    public string? SandboxClaimName { get; set; }

    [Description("When the Job, Deployment or Sandbox was created.")]
    public DateTimeOffset? StartedAt { get; set; }

    [Description("When the run reached Succeeded or Failed.")]
    public DateTimeOffset? CompletedAt { get; set; }

    [Description("The agent's final reply, at most 32768 characters (a longer one ends with a truncation note).")]
    public string? Result { get; set; }

    [Description("Why the run failed, at most 4096 characters (a longer one ends with a truncation note).")]
    public string? Error { get; set; }

    [Description("Exit code of the agent.")]
    public int? ExitCode { get; set; }

    [Description("LLM usage of the run.")]
    public TokenUsage? TokenUsage { get; set; }

    [Description("Server-mode Deployment.")]
    public string? DeploymentName { get; set; }

    [Description("Server-mode Service.")]
    public string? ServiceName { get; set; }

    [Description("OpenTelemetry trace ID of the run.")]
    public string? TraceID { get; set; }

    [Description("The postRun hooks Job.")]
    public string? PostRunJobName { get; set; }

    [EnumValues("approved", "rejected", "rewritten", "timeout", "error", "allowed-by-default")]
    [Description("Outcome of the response gate.")]
    public string? GateVerdict { get; set; }

    [Description("Runs delegated to other personas.")]
    public List<DelegateStatus>? Delegates { get; set; }

    [Description("Standard conditions.")]
    public List<Condition>? Conditions { get; set; }
}

[Description("LLM usage.")]
public sealed class TokenUsage
{
    [SchemaRequired, Minimum(0)]
    [Description("Prompt tokens.")]
    public long InputTokens { get; set; }

    [SchemaRequired, Minimum(0)]
    [Description("Completion tokens.")]
    public long OutputTokens { get; set; }

    [SchemaRequired, Minimum(0)]
    [Description("inputTokens + outputTokens.")]
    public long TotalTokens { get; set; }

    [SchemaRequired, Minimum(0)]
    [Description("Tool calls made.")]
    public long ToolCalls { get; set; }

    [SchemaRequired, Minimum(0)]
    [Description("Wall time of the agent in milliseconds.")]
    public long DurationMs { get; set; }
}

[Description("A delegated child run.")]
public sealed class DelegateStatus
{
    [SchemaRequired]
    [Description("Child AgentRun name.")]
    public string ChildRunName { get; set; } = "";

    [SchemaRequired]
    [Description("Persona the work was delegated to.")]
    public string TargetPersona { get; set; } = "";

    [Description("Child phase.")]
    public string? Phase { get; set; }

    [Description("Child result.")]
    public string? Result { get; set; }

    [Description("Child error.")]
    public string? Error { get; set; }
}
