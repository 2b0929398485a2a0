using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Sympozium.Api.Messages;

/// <summary>
/// A call of an MCP tool, <c>/ipc/tools/mcp-request-&lt;n&gt;.json</c>: written by the agent
/// runner, read by the mcp-bridge sidecar, which calls the server and answers with an
/// <see cref="McpResult"/> of the same number. Stays in the pod (the ipc-bridge ignores it).
/// </summary>
public sealed record McpRequest
{
    /// <summary>The number in both file names (a per-process counter from 1).</summary>
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    /// <summary>The server name from the manifest; absent: the bridge finds it by the tool's prefix.</summary>
    [JsonPropertyName("server")]
    public string? Server { get; init; }

    /// <summary>The prefixed tool name from the manifest.</summary>
    [JsonPropertyName("tool")]
    public required string Tool { get; init; }

    /// <summary>The model's arguments, passed on as they are.</summary>
    [JsonPropertyName("arguments")]
    public required JsonNode Arguments { get; init; }

    /// <summary>Trace context (<c>trace_id</c>, <c>span_id</c>, <c>traceparent</c>) when tracing is on.</summary>
    [JsonPropertyName("_meta")]
    public IReadOnlyDictionary<string, string>? Meta { get; init; }
}
