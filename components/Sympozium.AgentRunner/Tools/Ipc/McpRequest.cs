using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Sympozium.AgentRunner.Tools.Ipc;

/// <summary><c>/ipc/tools/mcp-request-&lt;n&gt;.json</c>, read by the mcp-bridge sidecar (upstream mcpbridge MCPRequest).</summary>
public sealed record McpRequest
{
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    [JsonPropertyName("server")]
    public string? Server { get; init; }

    /// <summary>The prefixed tool name from the manifest.</summary>
    [JsonPropertyName("tool")]
    public required string Tool { get; init; }

    [JsonPropertyName("arguments")]
    public required JsonNode Arguments { get; init; }

    [JsonPropertyName("_meta")]
    public IReadOnlyDictionary<string, string>? Meta { get; init; }
}
