using System.ComponentModel;
using Sympozium.Api.Meta;
using Sympozium.Api.Schema;

namespace Sympozium.Api.Kinds;

/// <summary>A bundle of skill documents, optionally with a tool sidecar and the RBAC it needs.</summary>
[CustomResource("SkillPack", "skillpacks", ShortNames = ["skp"])]
[PrinterColumn("Skills", "integer", ".status.skillCount")]
[PrinterColumn("ConfigMap", "string", ".status.configMapName")]
[Description("SkillPack bundles skill documents for agents, optionally with a sidecar that executes the skill's tools and the RBAC it needs.")]
public sealed class SkillPack() : CustomResource<SkillPackSpec, SkillPackStatus>(KindName)
{
    public const string KindName = "SkillPack";
}

[Description("Skills and their sidecar.")]
public sealed class SkillPackSpec
{
    [SchemaRequired]
    [Description("Skill documents; each becomes <name>.md in the pack's ConfigMap.")]
    public List<Skill> Skills { get; set; } = [];

    [Description("Category shown in the UIs.")]
    public string? Category { get; set; }

    [Description("Where the pack comes from.")]
    public string? Source { get; set; }

    [Description("Pack version.")]
    public string? Version { get; set; }

    [Description("What the skills need to run.")]
    public RuntimeRequirements? RuntimeRequirements { get; set; }

    [Description("Container that executes the skills' commands next to the agent.")]
    public SkillSidecar? Sidecar { get; set; }
}

[Description("One skill document.")]
public sealed class Skill
{
    [SchemaRequired, MinLength(1), Pattern(@"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")]
    [Description("Skill name; the file is <name>.md.")]
    public string Name { get; set; } = "";

    [Description("One-line summary.")]
    public string? Description { get; set; }

    [Description("Binaries and tools the skill uses.")]
    public SkillRequirements? Requires { get; set; }

    [SchemaRequired]
    [Description("Markdown instructions for the agent.")]
    public string Content { get; set; } = "";
}

[Description("What a skill uses.")]
public sealed class SkillRequirements
{
    [Description("Binaries, e.g. kubectl.")]
    public List<string>? Bins { get; set; }

    [Description("Agent tools, e.g. execute_command.")]
    public List<string>? Tools { get; set; }
}

[Description("What the skills need to run.")]
public sealed class RuntimeRequirements
{
    [Description("Image with the needed tools.")]
    public string? Image { get; set; }

    [Description("Needs the sandbox.")]
    public bool? Sandbox { get; set; }

    [Format(Formats.Quantity)]
    [Description("Minimum memory, e.g. 256Mi.")]
    public string? MinMemory { get; set; }

    [Format(Formats.Quantity)]
    [Description("Minimum CPU, e.g. 100m.")]
    public string? MinCPU { get; set; }
}

[Description("The skill sidecar container.")]
public sealed class SkillSidecar
{
    [SchemaRequired, MinLength(1)]
    [Description("Sidecar image.")]
    public string Image { get; set; } = "";

    [Description("Entrypoint override.")]
    public List<string>? Command { get; set; }

    [Description("Environment variables.")]
    public List<EnvVar>? Env { get; set; }

    [SchemaDefault(true)]
    [Description("Mount /workspace into the sidecar.")]
    public bool? MountWorkspace { get; set; }

    [Description("Requests and limits (default 100m and 128Mi).")]
    public SidecarResources? Resources { get; set; }

    [Description("Namespaced RBAC rules granted to the run while it runs.")]
    public List<RbacRule>? Rbac { get; set; }

    [Description("Cluster-wide RBAC rules granted to the run while it runs.")]
    public List<RbacRule>? ClusterRBAC { get; set; }

    [Format(Formats.Dns1123Subdomain)]
    [Description("Secret mounted as files into the sidecar.")]
    public string? SecretRef { get; set; }

    [Description("Where the Secret is mounted (default /secrets/<secretRef>).")]
    public string? SecretMountPath { get; set; }

    [Description("Opt-in host access.")]
    public HostAccess? HostAccess { get; set; }

    [Description("The sidecar is only used by server-mode runs.")]
    public bool? RequiresServer { get; set; }

    [Description("Ports exposed in server mode.")]
    public List<SidecarPort>? Ports { get; set; }
}

[Description("Sidecar requests and limits.")]
public sealed class SidecarResources
{
    [Format(Formats.Quantity)]
    [Description("CPU, e.g. 100m.")]
    public string? Cpu { get; set; }

    [Format(Formats.Quantity)]
    [Description("Memory, e.g. 128Mi.")]
    public string? Memory { get; set; }
}

[Description("Host access for the sidecar.")]
public sealed class HostAccess
{
    [Description("Turn host access on.")]
    public bool? Enabled { get; set; }

    [Description("Use the host's network namespace.")]
    public bool? HostNetwork { get; set; }

    [Description("Use the host's PID namespace.")]
    public bool? HostPID { get; set; }

    [Description("Run privileged.")]
    public bool? Privileged { get; set; }

    [Description("Run as root.")]
    public bool? RunAsRoot { get; set; }

    [Description("Host paths to mount.")]
    public List<HostMount>? Mounts { get; set; }
}

[Description("A host path mount.")]
public sealed class HostMount
{
    [SchemaRequired, MinLength(1), Pattern("^/.*")]
    [Description("Absolute path on the host.")]
    public string HostPath { get; set; } = "";

    [SchemaRequired, MinLength(1), Pattern("^/.*")]
    [Description("Absolute path in the container.")]
    public string MountPath { get; set; } = "";

    [SchemaDefault(true)]
    [Description("Mount read-only.")]
    public bool? ReadOnly { get; set; }
}

[Description("A server-mode port.")]
public sealed class SidecarPort
{
    [SchemaRequired, Format(Formats.Dns1123Label), MaxLength(15)]
    [Description("Port name.")]
    public string Name { get; set; } = "";

    [SchemaRequired, Minimum(1), Maximum(65535)]
    [Description("Port number.")]
    public int ContainerPort { get; set; }

    [EnumValues("TCP", "UDP", "SCTP"), SchemaDefault("TCP")]
    [Description("TCP, UDP or SCTP.")]
    public string? Protocol { get; set; }
}

[Description("Observed state of the pack.")]
public sealed class SkillPackStatus
{
    [EnumValues("Pending", "Ready", "Error")]
    [Description("Pending, Ready or Error.")]
    public string? Phase { get; set; }

    [Description("ConfigMap holding the skill documents.")]
    public string? ConfigMapName { get; set; }

    [Description("Number of skills.")]
    public int? SkillCount { get; set; }

    [Description("Standard conditions.")]
    public List<Condition>? Conditions { get; set; }
}
