using System.ComponentModel;
using Sympozium.Api.Meta;
using Sympozium.Api.Schema;

namespace Sympozium.Api.Kinds;

/// <summary>Cluster-level settings; the one named default in sympozium-system configures the serving Gateway.</summary>
[CustomResource("SympoziumConfig", "sympoziumconfigs", ShortNames = ["sycfg"])]
[PrinterColumn("Gateway", "boolean", ".spec.gateway.enabled")]
[PrinterColumn("Domain", "string", ".spec.gateway.baseDomain")]
[PrinterColumn("Phase", "string", ".status.phase")]
[Description("SympoziumConfig holds cluster-level settings; the one named default in sympozium-system configures the Gateway used by serving-mode runs.")]
public sealed class SympoziumConfig() : CustomResource<SympoziumConfigSpec, SympoziumConfigStatus>(KindName)
{
    public const string KindName = "SympoziumConfig";
}

[Description("Cluster-level settings.")]
public sealed class SympoziumConfigSpec
{
    [Description("Gateway API settings for serving mode.")]
    public GatewaySpec? Gateway { get; set; }
}

[Description("Gateway API settings.")]
public sealed class GatewaySpec
{
    [SchemaRequired, SchemaDefault(false)]
    [Description("Create and manage the Gateway.")]
    public bool Enabled { get; set; }

    [SchemaDefault("sympozium")]
    [Description("GatewayClass to create.")]
    public string? GatewayClassName { get; set; }

    [SchemaDefault("sympozium-gateway"), Format(Formats.Dns1123Subdomain)]
    [Description("Gateway name, in the config's namespace.")]
    public string? Name { get; set; }

    [Description("Wildcard base domain; an instance is served at <instance>.<baseDomain>.")]
    public string? BaseDomain { get; set; }

    [Description("HTTPS listener.")]
    public GatewayTls? Tls { get; set; }
}

[Description("HTTPS listener settings.")]
public sealed class GatewayTls
{
    [SchemaRequired, SchemaDefault(false)]
    [Description("Add an HTTPS listener (needs baseDomain).")]
    public bool Enabled { get; set; }

    [Description("cert-manager ClusterIssuer that issues the certificate.")]
    public string? CertManagerClusterIssuer { get; set; }

    [SchemaDefault("sympozium-wildcard-cert"), Format(Formats.Dns1123Subdomain)]
    [Description("Secret holding the certificate.")]
    public string? SecretName { get; set; }
}

[Description("Observed state of the config.")]
public sealed class SympoziumConfigStatus
{
    [EnumValues("Disabled", "Pending", "Ready", "Error")]
    [Description("Disabled, Pending, Ready or Error.")]
    public string? Phase { get; set; }

    [Description("Gateway state.")]
    public GatewayStatus? Gateway { get; set; }

    [Description("Ready condition.")]
    public List<Condition>? Conditions { get; set; }
}

[Description("Gateway state.")]
public sealed class GatewayStatus
{
    [SchemaRequired]
    [Description("The Gateway is programmed.")]
    public bool Ready { get; set; }

    [Description("Gateway address.")]
    public string? Address { get; set; }

    [Description("Number of listeners.")]
    public int? ListenerCount { get; set; }
}
