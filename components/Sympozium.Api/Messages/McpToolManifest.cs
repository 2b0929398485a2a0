using System.Text.Json.Serialization;

namespace Sympozium.Api.Messages;

/// <summary>
/// <c>/ipc/tools/mcp-tools.json</c>, the MCP tools the pod may call: written by the mcp-bridge
/// (init container and sidecar) after discovery, read by the agent runner at start.
/// </summary>
public sealed record McpToolManifest
{
    /// <summary>The tools; empty when nothing was discovered.</summary>
    [JsonPropertyName("tools")]
    public IReadOnlyList<McpToolEntry>? Tools { get; init; }
}
