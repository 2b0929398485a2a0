using System.ComponentModel;
using Sympozium.Api.Schema;

namespace Sympozium.Api.Kinds;

/// <summary>Containers that run before and after the agent, with their own RBAC and an optional response gate.</summary>
[Description("Hooks run before the agent (as init containers) and after it (as a postRun Job).")]
public sealed class LifecycleHooks
{
    [Description("Hooks run as init containers before the agent starts, in order.")]
    public List<LifecycleHook>? PreRun { get; set; }

    [Description("Hooks run in a separate Job after the agent finishes, in order; at most one may be a gate.")]
    public List<LifecycleHook>? PostRun { get; set; }

    [Description("Namespaced RBAC rules granted to the hooks for the duration of the run.")]
    public List<RbacRule>? Rbac { get; set; }

    [EnumValues("allow", "block"), SchemaDefault("block")]
    [Description("What happens when a gate hook gives no verdict: allow keeps the response, block replaces it.")]
    public string? GateDefault { get; set; }
}

/// <summary>One lifecycle hook container.</summary>
[Description("A lifecycle hook container.")]
public sealed class LifecycleHook
{
    [SchemaRequired, Format(Formats.Dns1123Label)]
    [Description("Hook name; the container is named pre-<name> or post-<name>.")]
    public string Name { get; set; } = "";

    [SchemaRequired, MinLength(1)]
    [Description("Container image.")]
    public string Image { get; set; } = "";

    [Description("Entrypoint override.")]
    public List<string>? Command { get; set; }

    [Description("Arguments.")]
    public List<string>? Args { get; set; }

    [Description("Extra environment variables.")]
    public List<EnvVar>? Env { get; set; }

    [Format(Formats.GoDuration)]
    [Description("How long the hook may run, as a Go duration (e.g. 5m).")]
    public string? Timeout { get; set; }

    [Description("A gate hook decides whether the agent's response is delivered (postRun only).")]
    public bool? Gate { get; set; }
}
