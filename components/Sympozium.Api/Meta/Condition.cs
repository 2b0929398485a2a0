using System.ComponentModel;
using Sympozium.Api.Schema;

namespace Sympozium.Api.Meta;

/// <summary>The standard Kubernetes condition (metav1.Condition).</summary>
[Description("Condition contains details for one aspect of the current state of this resource.")]
public sealed class Condition
{
    [SchemaRequired, MaxLength(316)]
    [Pattern(@"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$")]
    [Description("Type of condition in CamelCase.")]
    public string Type { get; set; } = "";

    [SchemaRequired, EnumValues("True", "False", "Unknown")]
    [Description("Status of the condition, one of True, False, Unknown.")]
    public string Status { get; set; } = "";

    [Minimum(0)]
    [Description("The .metadata.generation that the condition was set based upon.")]
    public long? ObservedGeneration { get; set; }

    [SchemaRequired]
    [Description("Last time the condition transitioned from one status to another.")]
    public DateTimeOffset? LastTransitionTime { get; set; }

    [SchemaRequired, MinLength(1), MaxLength(1024), Pattern(@"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$")]
    [Description("A programmatic identifier for the reason of the last transition, in CamelCase.")]
    public string Reason { get; set; } = "";

    [SchemaRequired, MaxLength(32768)]
    [Description("A human readable message with details about the transition.")]
    public string Message { get; set; } = "";
}
