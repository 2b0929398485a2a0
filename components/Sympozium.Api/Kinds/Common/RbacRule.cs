using System.ComponentModel;
using Sympozium.Api.Schema;

namespace Sympozium.Api.Kinds;

/// <summary>One RBAC policy rule granted to a run's skill sidecar or lifecycle hooks.</summary>
[Description("An RBAC rule (apiGroups, resources, verbs) granted for the duration of a run.")]
public sealed class RbacRule
{
    [SchemaRequired]
    [Description("API groups of the resources; \"\" is the core group.")]
    public List<string> ApiGroups { get; set; } = [];

    [SchemaRequired]
    [Description("Resources the rule applies to, e.g. pods, deployments.")]
    public List<string> Resources { get; set; } = [];

    [SchemaRequired]
    [Description("Verbs allowed, e.g. get, list, watch.")]
    public List<string> Verbs { get; set; } = [];
}
