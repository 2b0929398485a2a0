using System.ComponentModel;
using Sympozium.Api.Schema;

namespace Sympozium.Api.Kinds;

/// <summary>A literal environment variable.</summary>
[Description("An environment variable with a literal value.")]
public sealed class EnvVar
{
    [SchemaRequired]
    [Description("Variable name.")]
    public string Name { get; set; } = "";

    [SchemaRequired]
    [Description("Variable value.")]
    public string Value { get; set; } = "";
}
