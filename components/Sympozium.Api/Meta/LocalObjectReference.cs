using System.ComponentModel;

namespace Sympozium.Api.Meta;

/// <summary>A reference to an object by name in the same namespace (e.g. an image pull Secret).</summary>
[Description("A reference to an object in the same namespace.")]
public sealed class LocalObjectReference
{
    [Description("Name of the referent.")]
    public string? Name { get; set; }
}
