using System.ComponentModel;
using Sympozium.Api.Meta;
using Sympozium.Api.Schema;

namespace Sympozium.Api.Kinds;

/// <summary>A Model Context Protocol tool server, external (url) or run as a Deployment.</summary>
[CustomResource("MCPServer", "mcpservers", ShortNames = ["mcps"])]
[PrinterColumn("Transport", "string", ".spec.transportType")]
[PrinterColumn("Ready", "boolean", ".status.ready")]
[PrinterColumn("URL", "string", ".status.url")]
[PrinterColumn("Tools", "integer", ".status.toolCount")]
[Description("MCPServer declares a Model Context Protocol tool server, either external (url) or run by the controller as a Deployment.")]
public sealed class MCPServer() : CustomResource<MCPServerSpec, MCPServerStatus>(KindName)
{
    public const string KindName = "MCPServer";
}

[Description("The server and how to reach it.")]
public sealed class MCPServerSpec
{
    [SchemaRequired, EnumValues("stdio", "http")]
    [Description("stdio servers are wrapped by the mcp-bridge HTTP adapter; http servers are called directly.")]
    public string TransportType { get; set; } = "";

    [Format(Formats.HttpUrl)]
    [Description("URL of an external server; no Deployment is created.")]
    public string? Url { get; set; }

    [Description("How to run the server in the cluster.")]
    public MCPServerDeployment? Deployment { get; set; }

    [SchemaRequired, MinLength(1), Pattern("^[A-Za-z0-9_-]+$")]
    [Description("Prefix for the server's tools (<prefix>_<tool>).")]
    public string ToolsPrefix { get; set; } = "";

    [SchemaDefault(30), Minimum(1)]
    [Description("Per-request timeout in seconds.")]
    public int? Timeout { get; set; }

    [SchemaDefault(1), Minimum(0)]
    [Description("Deployment replicas.")]
    public int? Replicas { get; set; }

    [Description("Only these tools (unprefixed names) are exposed.")]
    public List<string>? ToolsAllow { get; set; }

    [Description("These tools (unprefixed names) are hidden.")]
    public List<string>? ToolsDeny { get; set; }
}

[Description("How to run the server.")]
public sealed class MCPServerDeployment
{
    [SchemaRequired, MinLength(1)]
    [Description("Container image.")]
    public string Image { get; set; } = "";

    [Description("stdio: the server binary; http: the container command.")]
    public string? Cmd { get; set; }

    [Description("Arguments.")]
    public List<string>? Args { get; set; }

    [SchemaDefault(8080), Minimum(1), Maximum(65535)]
    [Description("HTTP port (http transport; stdio always listens on 8080).")]
    public int? Port { get; set; }

    [Description("Environment variables.")]
    public Dictionary<string, string>? Env { get; set; }

    [Description("Secrets exposed as environment variables.")]
    public List<MCPSecretRef>? SecretRefs { get; set; }

    [Description("Container resources.")]
    public ResourceRequirements? Resources { get; set; }

    [Description("ServiceAccount of the server pod.")]
    public string? ServiceAccountName { get; set; }
}

[Description("A Secret by name.")]
public sealed class MCPSecretRef
{
    [SchemaRequired, MinLength(1)]
    [Description("Secret name.")]
    public string Name { get; set; } = "";
}

[Description("Observed state of the server.")]
public sealed class MCPServerStatus
{
    [SchemaRequired]
    [Description("The server answers.")]
    public bool Ready { get; set; }

    [Description("URL agents use.")]
    public string? Url { get; set; }

    [Description("Number of tools the server lists.")]
    public int? ToolCount { get; set; }

    [Description("Tool names the server lists.")]
    public List<string>? Tools { get; set; }

    [Description("Deployed and Ready conditions.")]
    public List<Condition>? Conditions { get; set; }
}
