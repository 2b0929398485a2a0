using System.Text.Json.Nodes;
using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Api.Serialization;
using Sympozium.Api.WellKnown;

namespace Sympozium.Controller.Builders;

/// <summary>An MCP server reference with its URL resolved
/// (docs/design/agent-runs.md#mcp-configuration).</summary>
public sealed record ResolvedMcpServer(McpServerRef Ref, string Url);

/// <summary>The <c>&lt;run&gt;-mcp-servers</c> ConfigMap the mcp-bridge of a run reads.</summary>
public static class McpConfigBuilder
{
    public const int DefaultTimeoutSeconds = 30;

    public static string ConfigMapName(AgentRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.Metadata.Name + "-mcp-servers";
    }

    /// <summary>
    /// Resolves an instance MCP reference: its own URL, else the status URL of a ready MCPServer
    /// (the run namespace's first, then the system namespace's), inheriting prefix, timeout and tool
    /// filters the reference leaves empty. Null when the server is unknown or not ready.
    /// </summary>
    public static ResolvedMcpServer? Resolve(McpServerRef reference, MCPServer? server)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (!string.IsNullOrEmpty(reference.Url))
        {
            return new ResolvedMcpServer(reference, reference.Url);
        }

        if (server?.Status is not { Ready: true, Url: { Length: > 0 } url })
        {
            return null;
        }

        var merged = new McpServerRef
        {
            Name = reference.Name,
            Url = url,
            ToolsPrefix = string.IsNullOrEmpty(reference.ToolsPrefix) ? server.Spec.ToolsPrefix : reference.ToolsPrefix,
            Timeout = reference.Timeout is > 0 ? reference.Timeout : server.Spec.Timeout,
            AuthSecret = reference.AuthSecret,
            AuthKey = reference.AuthKey,
            Headers = reference.Headers,
            ToolsAllow = reference.ToolsAllow is { Count: > 0 } ? reference.ToolsAllow : server.Spec.ToolsAllow,
            ToolsDeny = reference.ToolsDeny is { Count: > 0 } ? reference.ToolsDeny : server.Spec.ToolsDeny,
        };
        return new ResolvedMcpServer(merged, url);
    }

    /// <summary>The ConfigMap (labels agent-run, instance, component=mcp-config; owned by the run).</summary>
    public static V1ConfigMap Build(AgentRun run, IReadOnlyList<ResolvedMcpServer> servers)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(servers);
        var list = new JsonArray();
        foreach (var (reference, url) in servers)
        {
            var entry = new JsonObject
            {
                ["name"] = reference.Name,
                ["url"] = url,
                ["toolsPrefix"] = reference.ToolsPrefix,
                ["timeout"] = reference.Timeout is > 0 ? reference.Timeout.Value : DefaultTimeoutSeconds,
            };
            if (!string.IsNullOrEmpty(reference.AuthSecret))
            {
                entry["auth"] = new JsonObject { ["type"] = "bearer", ["tokenEnv"] = AgentPodBuilder.McpAuthVariable(reference.Name) };
            }

            if (reference.Headers is { Count: > 0 } headers)
            {
                var h = new JsonObject();
                foreach (var (k, v) in headers.OrderBy(e => e.Key, StringComparer.Ordinal))
                {
                    h[k] = v;
                }

                entry["headers"] = h;
            }

            if (reference.ToolsAllow is { Count: > 0 } allow)
            {
                entry["toolsAllow"] = new JsonArray([.. allow.Select(t => (JsonNode)JsonValue.Create(t))]);
            }

            if (reference.ToolsDeny is { Count: > 0 } deny)
            {
                entry["toolsDeny"] = new JsonArray([.. deny.Select(t => (JsonNode)JsonValue.Create(t))]);
            }

            list.Add((JsonNode)entry);
        }

        return new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = new V1ObjectMeta
            {
                Name = ConfigMapName(run),
                NamespaceProperty = run.Metadata.Namespace,
                Labels = new Dictionary<string, string>
                {
                    [Labels.AgentRun] = run.Metadata.Name ?? "",
                    [Labels.Instance] = run.Spec.InstanceRef,
                    [Labels.Component] = Labels.Components.McpConfig,
                },
                OwnerReferences = [AgentPodBuilder.OwnerReference(run)],
            },
            Data = new Dictionary<string, string> { [AgentPodBuilder.McpConfigFile] = YamlJson.Write(new JsonObject { ["servers"] = list }) },
        };
    }
}
