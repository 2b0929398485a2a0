using System.ComponentModel;
using Sympozium.Api.Schema;

namespace Sympozium.Api.Meta;

/// <summary>Kubernetes container resource requirements (corev1.ResourceRequirements).</summary>
[Description("Compute resource requirements of a container.")]
public sealed class ResourceRequirements
{
    [Description("Maximum amount of compute resources allowed, e.g. cpu: 500m, memory: 256Mi.")]
    public Dictionary<string, Quantity>? Limits { get; set; }

    [Description("Minimum amount of compute resources required, e.g. cpu: 100m, memory: 128Mi.")]
    public Dictionary<string, Quantity>? Requests { get; set; }

    [Description("Dynamic resource claims used by this container.")]
    public List<ResourceClaim>? Claims { get; set; }
}

/// <summary>A dynamic resource claim reference.</summary>
[Description("A reference to one entry in the pod's resourceClaims.")]
public sealed class ResourceClaim
{
    [SchemaRequired]
    [Description("Name of the resource claim.")]
    public string Name { get; set; } = "";

    [Description("Name of the request within the claim.")]
    public string? Request { get; set; }
}
