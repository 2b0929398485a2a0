using System.ComponentModel;
using Sympozium.Api.Meta;
using Sympozium.Api.Schema;

namespace Sympozium.Api.Kinds;

/// <summary>A team of personas; enabling the pack creates an instance (and schedule) per persona.</summary>
[CustomResource("PersonaPack", "personapacks", ShortNames = ["pp"])]
[PrinterColumn("Enabled", "boolean", ".spec.enabled")]
[PrinterColumn("Personas", "integer", ".status.personaCount")]
[PrinterColumn("Installed", "integer", ".status.installedCount")]
[PrinterColumn("Workflow", "string", ".spec.workflowType")]
[PrinterColumn("Phase", "string", ".status.phase")]
[Description("PersonaPack describes a team of agent personas; enabling it creates a SympoziumInstance (and schedule) per persona.")]
public sealed class PersonaPack() : CustomResource<PersonaPackSpec, PersonaPackStatus>(KindName)
{
    public const string KindName = "PersonaPack";
}

[Description("The personas and what they share.")]
public sealed class PersonaPackSpec
{
    [Description("Create the personas' instances; a disabled pack is a catalog entry.")]
    public bool? Enabled { get; set; }

    [Description("What the pack is for.")]
    public string? Description { get; set; }

    [Description("Category shown in the UIs.")]
    public string? Category { get; set; }

    [Description("Pack version.")]
    public string? Version { get; set; }

    [SchemaRequired]
    [Description("The personas.")]
    public List<Persona> Personas { get; set; } = [];

    [Description("Provider credentials copied to every persona instance and kept in sync.")]
    public List<SecretRef>? AuthRefs { get; set; }

    [Description("Personas to skip (and remove if installed).")]
    public List<string>? ExcludePersonas { get; set; }

    [Description("Channel type to Secret name, set as the channels' configRef.")]
    public Dictionary<string, string>? ChannelConfigs { get; set; }

    [Format(Formats.Dns1123Subdomain)]
    [Description("SympoziumPolicy for new persona instances.")]
    public string? PolicyRef { get; set; }

    [Format(Formats.HttpUrl)]
    [Description("Provider endpoint for all persona instances, kept in sync.")]
    public string? BaseURL { get; set; }

    [Description("SkillPack name to parameters, set on the matching skill of new instances.")]
    public Dictionary<string, Dictionary<string, string>>? SkillParams { get; set; }

    [Description("Team objective prefixed to every persona schedule task.")]
    public string? TaskOverride { get; set; }

    [Description("Channel type to access control, copied onto generated channels.")]
    public Dictionary<string, ChannelAccessControl>? ChannelAccessControl { get; set; }

    [Description("Agent-sandbox defaults for new persona instances.")]
    public AgentSandboxInstanceSpec? AgentSandbox { get; set; }

    [Description("How personas hand work to each other.")]
    public List<PersonaRelationship>? Relationships { get; set; }

    [EnumValues("autonomous", "pipeline", "delegation"), SchemaDefault("autonomous")]
    [Description("autonomous, pipeline or delegation.")]
    public string? WorkflowType { get; set; }
}

[Description("One persona.")]
public sealed class Persona
{
    [SchemaRequired, MinLength(1), Format(Formats.Dns1123Label)]
    [Description("Persona name; the instance is <pack>-<name>.")]
    public string Name { get; set; } = "";

    [Description("Name shown in the UIs.")]
    public string? DisplayName { get; set; }

    [SchemaRequired]
    [Description("System prompt of the persona.")]
    public string SystemPrompt { get; set; } = "";

    [Description("Model of the persona's instance (gpt-4o when empty).")]
    public string? Model { get; set; }

    [Description("SkillPack names for the persona's instance.")]
    public List<string>? Skills { get; set; }

    [Description("Tools the persona may or may not call.")]
    public ToolPolicySpec? ToolPolicy { get; set; }

    [Description("A schedule for the persona.")]
    public PersonaSchedule? Schedule { get; set; }

    [Description("Memory of the persona.")]
    public PersonaMemory? Memory { get; set; }

    [Description("Channel types for the persona's instance.")]
    public List<string>? Channels { get; set; }

    [Description("Serve the persona over HTTP.")]
    public PersonaWebEndpoint? WebEndpoint { get; set; }

    [Description("Lifecycle hooks for the persona's runs.")]
    public LifecycleHooks? Lifecycle { get; set; }
}

[Description("A persona's schedule.")]
public sealed class PersonaSchedule
{
    [SchemaRequired, EnumValues("heartbeat", "scheduled", "sweep"), SchemaDefault("heartbeat")]
    [Description("heartbeat, scheduled or sweep.")]
    public string Type { get; set; } = "heartbeat";

    [Format(Formats.GoDuration)]
    [Description("Interval as a Go duration (e.g. 30m); cron wins when both are set.")]
    public string? Interval { get; set; }

    [Format(Formats.Cron)]
    [Description("Five-field cron expression.")]
    public string? Cron { get; set; }

    [SchemaRequired, MinLength(1)]
    [Description("Task text.")]
    public string Task { get; set; } = "";
}

[Description("A persona's memory.")]
public sealed class PersonaMemory
{
    [SchemaRequired, SchemaDefault(true)]
    [Description("Seed the memory ConfigMap.")]
    public bool Enabled { get; set; } = true;

    [Description("Initial memory entries.")]
    public List<string>? Seeds { get; set; }
}

[Description("HTTP serving for a persona.")]
public sealed class PersonaWebEndpoint
{
    [SchemaRequired]
    [Description("Add the web-endpoint skill.")]
    public bool Enabled { get; set; }

    [Description("Hostname for the route.")]
    public string? Hostname { get; set; }
}

[Description("How two personas work together.")]
public sealed class PersonaRelationship
{
    [SchemaRequired, MinLength(1)]
    [Description("Persona handing work on.")]
    public string Source { get; set; } = "";

    [SchemaRequired, MinLength(1)]
    [Description("Persona receiving it.")]
    public string Target { get; set; } = "";

    [SchemaRequired, EnumValues("delegation", "sequential", "supervision")]
    [Description("delegation, sequential or supervision.")]
    public string Type { get; set; } = "";

    [Description("When the relationship applies.")]
    public string? Condition { get; set; }

    [Format(Formats.GoDuration)]
    [Description("How long the target may take, as a Go duration.")]
    public string? Timeout { get; set; }

    [Description("Expected result format.")]
    public string? ResultFormat { get; set; }
}

[Description("Observed state of the pack.")]
public sealed class PersonaPackStatus
{
    [EnumValues("Inactive", "Pending", "Ready", "Error")]
    [Description("Inactive, Pending, Ready or Error.")]
    public string? Phase { get; set; }

    [Description("Personas in the pack.")]
    public int? PersonaCount { get; set; }

    [Description("Personas installed.")]
    public int? InstalledCount { get; set; }

    [Description("What each installed persona created.")]
    public List<InstalledPersona>? InstalledPersonas { get; set; }

    [Description("Standard conditions.")]
    public List<Condition>? Conditions { get; set; }
}

[Description("An installed persona.")]
public sealed class InstalledPersona
{
    [SchemaRequired]
    [Description("Persona name.")]
    public string Name { get; set; } = "";

    [SchemaRequired]
    [Description("Its SympoziumInstance.")]
    public string InstanceName { get; set; } = "";

    [Description("Its SympoziumSchedule.")]
    public string? ScheduleName { get; set; }
}
