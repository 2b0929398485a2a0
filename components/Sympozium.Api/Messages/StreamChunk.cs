using System.Text.Json.Serialization;

namespace Sympozium.Api.Messages;

/// <summary>
/// A piece of the agent's answer, <c>/ipc/output/stream-&lt;n&gt;.json</c>. The agent runner writes
/// one chunk (<c>stream-0.json</c>, the whole answer) before the result; the ipc-bridge
/// publishes it unchanged on <c>agent.stream.chunk</c> for streaming clients.
/// </summary>
public sealed record StreamChunk
{
    /// <summary><c>text</c> (upstream also knows <c>thinking</c>, <c>tool_use</c>, <c>tool_result</c>).</summary>
    [JsonPropertyName("type")]
    public required string Type { get; init; }

    [JsonPropertyName("content")]
    public required string Content { get; init; }

    /// <summary>Position of the chunk in the answer, from 0.</summary>
    [JsonPropertyName("index")]
    public int Index { get; init; }
}
