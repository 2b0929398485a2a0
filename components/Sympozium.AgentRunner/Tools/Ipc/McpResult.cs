using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sympozium.AgentRunner.Tools.Ipc;

/// <summary><c>/ipc/tools/mcp-result-&lt;n&gt;.json</c>, written by the mcp-bridge (upstream mcpbridge MCPResult).</summary>
public sealed record McpResult
{
    [JsonPropertyName("id")]
    public string? Id { get; init; }

    [JsonPropertyName("success")]
    public bool Success { get; init; }

    /// <summary>Usually an array of MCP content blocks (<c>{"type":"text","text":…}</c>); anything else is passed on raw.</summary>
    [JsonPropertyName("content")]
    public JsonElement? Content { get; init; }

    [JsonPropertyName("error")]
    public string? Error { get; init; }

    [JsonPropertyName("isError")]
    public bool IsError { get; init; }
}
