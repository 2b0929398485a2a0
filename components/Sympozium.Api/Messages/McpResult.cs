using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sympozium.Api.Messages;

/// <summary>
/// The outcome of an <see cref="McpRequest"/>, <c>/ipc/tools/mcp-result-&lt;n&gt;.json</c>: written
/// by the mcp-bridge sidecar, read by the agent runner.
/// </summary>
public sealed record McpResult
{
    /// <summary>The request's number.</summary>
    [JsonPropertyName("id")]
    public string? Id { get; init; }

    [JsonPropertyName("success")]
    public bool Success { get; init; }

    /// <summary>Usually an array of MCP content blocks (<c>{"type":"text","text":…}</c>); anything else is passed on raw.</summary>
    [JsonPropertyName("content")]
    public JsonElement? Content { get; init; }

    /// <summary>The bridge's or the server's error message.</summary>
    [JsonPropertyName("error")]
    public string? Error { get; init; }

    /// <summary>The server reported a tool error (MCP <c>isError</c>).</summary>
    [JsonPropertyName("isError")]
    public bool IsError { get; init; }
}
