using System.ComponentModel;
using Sympozium.Api.Schema;

namespace Sympozium.Api.Kinds;

/// <summary>Instance defaults for the agent-sandbox (Sandbox CR) backend.</summary>
[Description("Agent-sandbox backend defaults (gVisor/Kata runtime classes and a warm pool).")]
public sealed class AgentSandboxInstanceSpec
{
    [SchemaRequired]
    [Description("Run agents in Sandbox resources instead of Jobs.")]
    public bool Enabled { get; set; }

    [Description("RuntimeClass for sandboxes, e.g. gvisor.")]
    public string? RuntimeClass { get; set; }

    [Description("A pool of pre-started sandboxes.")]
    public WarmPoolSpec? WarmPool { get; set; }
}

/// <summary>Pre-started sandboxes kept ready for new runs.</summary>
[Description("A pool of pre-started sandboxes.")]
public sealed class WarmPoolSpec
{
    [SchemaDefault(2), Minimum(0)]
    [Description("Number of sandboxes kept ready.")]
    public int? Size { get; set; }

    [Description("RuntimeClass for pooled sandboxes.")]
    public string? RuntimeClass { get; set; }

    [Description("Resources of each pooled sandbox.")]
    public SandboxResources? Resources { get; set; }
}
