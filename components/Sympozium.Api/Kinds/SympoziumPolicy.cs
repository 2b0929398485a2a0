using System.ComponentModel;
using Sympozium.Api.Meta;
using Sympozium.Api.Schema;

namespace Sympozium.Api.Kinds;

/// <summary>Guard rails for the runs of the instances that reference it: sandboxing, sub-agents, tools, features and network.</summary>
[CustomResource("SympoziumPolicy", "sympoziumpolicies", ShortNames = ["syp"])]
[PrinterColumn("Bound", "integer", ".status.boundInstances")]
[Description("SympoziumPolicy sets guard rails for the runs of instances that reference it: sandboxing, sub-agents, tool gating, feature gates and network isolation.")]
public sealed class SympoziumPolicy() : CustomResource<SympoziumPolicySpec, SympoziumPolicyStatus>(KindName)
{
    public const string KindName = "SympoziumPolicy";
}

[Description("Policy rules.")]
public sealed class SympoziumPolicySpec
{
    [Description("Sandbox requirements.")]
    public SandboxPolicy? SandboxPolicy { get; set; }

    [Description("Sub-agent limits.")]
    public SubagentPolicy? SubagentPolicy { get; set; }

    [Description("Which tools need approval or are denied.")]
    public ToolGatingPolicy? ToolGating { get; set; }

    [Description("Feature switches: code-execution, sub-agents, browser-automation, file-access.")]
    public Dictionary<string, bool>? FeatureGates { get; set; }

    [Description("Network isolation of agent pods.")]
    public NetworkPolicySpec? NetworkPolicy { get; set; }

    [Description("Whether governed runs may use settings that escape the pod's isolation (privileged, host namespaces, host paths, root, seccomp Unconfined).")]
    public HostAccessPolicy? HostAccess { get; set; }
}

[Description("Settings that escape the pod's isolation.")]
public sealed class HostAccessPolicy
{
    [SchemaRequired]
    [Description("Allow privileged containers, hostNetwork/hostPID, hostPath mounts, running as root and seccomp Unconfined; false or absent refuses them.")]
    public bool Allowed { get; set; }
}

[Description("Sandbox requirements.")]
public sealed class SandboxPolicy
{
    [SchemaRequired]
    [Description("Runs must enable the sandbox sidecar.")]
    public bool Required { get; set; }

    [Description("Sandbox image used when a run names none.")]
    public string? DefaultImage { get; set; }

    [Format(Formats.Quantity)]
    [Description("Largest CPU a run's containers may request, e.g. 2.")]
    public string? MaxCPU { get; set; }

    [Format(Formats.Quantity)]
    [Description("Largest memory a run's containers may request, e.g. 4Gi.")]
    public string? MaxMemory { get; set; }

    [SchemaDefault(false)]
    [Description("Allow skills to mount host paths.")]
    public bool? AllowHostMounts { get; set; }

    [Description("Seccomp profile applied to sandboxed runs.")]
    public SeccompProfileSpec? SeccompProfile { get; set; }

    [Description("Agent-sandbox (gVisor/Kata) requirements.")]
    public AgentSandboxPolicy? AgentSandboxPolicy { get; set; }
}

[Description("Agent-sandbox requirements.")]
public sealed class AgentSandboxPolicy
{
    [SchemaRequired]
    [Description("Runs must use the agent-sandbox backend.")]
    public bool Required { get; set; }

    [Description("RuntimeClass used when a run names none.")]
    public string? DefaultRuntimeClass { get; set; }

    [Description("RuntimeClasses runs may use.")]
    public List<string>? AllowedRuntimeClasses { get; set; }
}

[Description("Sub-agent limits.")]
public sealed class SubagentPolicy
{
    [SchemaDefault(3), Minimum(0)]
    [Description("Runs at this spawn depth or deeper are denied.")]
    public int? MaxDepth { get; set; }

    [SchemaDefault(5), Minimum(0)]
    [Description("Most unfinished runs per instance; further runs wait in Pending.")]
    public int? MaxConcurrent { get; set; }
}

[Description("Tool gating.")]
public sealed class ToolGatingPolicy
{
    [EnumValues("allow", "deny", "ask"), SchemaDefault("allow")]
    [Description("Action for tools no rule names: allow, deny or ask.")]
    public string? DefaultAction { get; set; }

    [Description("Per-tool actions.")]
    public List<ToolGatingRule>? Rules { get; set; }
}

[Description("The action for one tool.")]
public sealed class ToolGatingRule
{
    [SchemaRequired, MinLength(1)]
    [Description("Tool name, e.g. execute_command.")]
    public string Tool { get; set; } = "";

    [SchemaRequired, EnumValues("allow", "deny", "ask")]
    [Description("allow, deny or ask.")]
    public string Action { get; set; } = "";
}

[Description("Network isolation of agent pods.")]
public sealed class NetworkPolicySpec
{
    [SchemaDefault(true)]
    [Description("Deny all traffic not allowed below.")]
    public bool? DenyAll { get; set; }

    [SchemaDefault(true)]
    [Description("Allow DNS lookups.")]
    public bool? AllowDNS { get; set; }

    [SchemaDefault(true)]
    [Description("Allow the NATS event bus.")]
    public bool? AllowEventBus { get; set; }

    [Description("Further allowed destinations.")]
    public List<EgressRule>? AllowedEgress { get; set; }
}

[Description("An allowed egress destination.")]
public sealed class EgressRule
{
    [SchemaRequired, MinLength(1)]
    [Description("Host name, IP address or CIDR.")]
    public string Host { get; set; } = "";

    [Minimum(1), Maximum(65535)]
    [Description("Port; all ports when absent.")]
    public int? Port { get; set; }
}

[Description("Observed state of the policy.")]
public sealed class SympoziumPolicyStatus
{
    [Description("Instances in the namespace that reference this policy.")]
    public int? BoundInstances { get; set; }

    [Description("NetworkPolicies generated from this policy, one per bound instance.")]
    public List<string>? NetworkPolicies { get; set; }

    [Description("The most recent admission denials under this policy, newest first.")]
    public List<PolicyDenial>? RecentDenials { get; set; }

    [Description("Standard conditions.")]
    public List<Condition>? Conditions { get; set; }
}

[Description("One admission denial.")]
public sealed class PolicyDenial
{
    [Description("When the webhook denied the request.")]
    public DateTimeOffset? Time { get; set; }

    [Description("The denied object, as <Kind> <namespace>/<name>.")]
    public string? Object { get; set; }

    [Description("Why it was denied.")]
    public string? Message { get; set; }
}
