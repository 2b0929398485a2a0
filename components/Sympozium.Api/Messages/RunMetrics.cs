using System.Text.Json.Serialization;

namespace Sympozium.Api.Messages;

/// <summary>
/// The usage part of an <see cref="AgentResult"/>, counted by the agent runner. Every field is
/// always written; token counts are reported on failure too (upstream wrote zeros there).
/// Numbers written as strings are read too, so a quirky counter never costs the answer.
/// </summary>
[JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
public sealed record RunMetrics
{
    [JsonPropertyName("durationMs")]
    public long DurationMs { get; init; }

    [JsonPropertyName("inputTokens")]
    public long InputTokens { get; init; }

    [JsonPropertyName("outputTokens")]
    public long OutputTokens { get; init; }

    [JsonPropertyName("toolCalls")]
    public long ToolCalls { get; init; }
}
