using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Sympozium.Api.Messages;

/// <summary>One tool of an <see cref="McpToolManifest"/>: a tool of one MCP server, its name already prefixed by the mcp-bridge.</summary>
[JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
public sealed record McpToolEntry
{
    /// <summary><c>&lt;toolsPrefix&gt;_&lt;server's tool name&gt;</c>.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("description")]
    public string? Description { get; init; }

    /// <summary>The MCPServer the tool belongs to.</summary>
    [JsonPropertyName("server")]
    public string? Server { get; init; }

    /// <summary>Seconds; zero or less means the default (30 s).</summary>
    [JsonPropertyName("timeout")]
    public int Timeout { get; init; }

    /// <summary>JSON schema of the arguments; a non-object counts as absent.</summary>
    [JsonPropertyName("inputSchema")]
    public JsonNode? InputSchema { get; init; }
}
