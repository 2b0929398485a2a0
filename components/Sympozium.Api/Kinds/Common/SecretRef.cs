using System.ComponentModel;
using Sympozium.Api.Schema;

namespace Sympozium.Api.Kinds;

/// <summary>A Secret holding provider credentials or channel configuration.</summary>
[Description("A Secret holding credentials, optionally tagged with the provider it is for.")]
public sealed class SecretRef
{
    [Description("Provider the Secret is for: openai, anthropic, azure-openai, ollama, bedrock, lm-studio or custom.")]
    public string? Provider { get; set; }

    [SchemaRequired]
    [Description("Name of the Secret in the same namespace.")]
    public string Secret { get; set; } = "";
}
