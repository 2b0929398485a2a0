using System.ComponentModel;

namespace Sympozium.Api.Kinds;

/// <summary>Requests and limits written as plain string maps (cpu, memory).</summary>
[Description("Resource requests and limits, e.g. cpu: 500m, memory: 512Mi.")]
public sealed class SandboxResources
{
    [Description("Minimum resources, e.g. cpu: 100m.")]
    public Dictionary<string, string>? Requests { get; set; }

    [Description("Maximum resources, e.g. memory: 512Mi.")]
    public Dictionary<string, string>? Limits { get; set; }
}
