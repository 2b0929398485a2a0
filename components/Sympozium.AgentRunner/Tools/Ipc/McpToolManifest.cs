using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Sympozium.AgentRunner.Tools.Ipc;

/// <summary><c>/ipc/tools/mcp-tools.json</c>, written by the mcp-bridge (upstream mcpbridge MCPToolManifest).</summary>
public sealed record McpToolManifest
{
    [JsonPropertyName("tools")]
    public IReadOnlyList<McpToolEntry>? Tools { get; init; }
}

/// <summary>One manifest entry: a tool of one MCP server, its name already prefixed by the bridge.</summary>
public sealed record McpToolEntry
{
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("description")]
    public string? Description { get; init; }

    [JsonPropertyName("server")]
    public string? Server { get; init; }

    /// <summary>Seconds; zero or less means the default (30 s).</summary>
    [JsonPropertyName("timeout")]
    public int Timeout { get; init; }

    /// <summary>JSON schema of the arguments; a non-object counts as absent.</summary>
    [JsonPropertyName("inputSchema")]
    public JsonNode? InputSchema { get; init; }
}
