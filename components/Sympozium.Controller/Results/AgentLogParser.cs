using System.Text.Json;
using System.Text.RegularExpressions;
using Sympozium.Api.Kinds;
using Sympozium.Api.Messages;
using Sympozium.Api.WellKnown;

namespace Sympozium.Controller.Results;

/// <summary>
/// Reads a finished agent's outcome from its whole log (upstream read only the last 80/100 lines
/// and lost long results and memories, docs/design/upstream-fixes.md#cp-13).
/// </summary>
public static partial class AgentLogParser
{
    /// <summary>Longest error line taken from a log without a result marker.</summary>
    public const int MaxErrorLineLength = 500;

    private static readonly string[] RateLimitHints =
        ["http 429", "status 429", "status code: 429", "(429)", " 429 ", "insufficient_quota", "quota", "rate limit", "too many requests"];

    public static AgentOutcome Parse(string log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var memory = LogMarkers.LastMemory(log);
        if (LogMarkers.LastResult(log) is { } marker && TryParseResult(marker, out var outcome))
        {
            return outcome with { MemoryUpdate = memory };
        }

        return new AgentOutcome { Error = RateLimitLine(log), MemoryUpdate = memory };
    }

    /// <summary>
    /// Parses result.json or a marker payload into the <see cref="AgentResult"/> the agent wrote;
    /// false when it is not one (not JSON, not an object, a field of the wrong type).
    /// </summary>
    public static bool TryParseResult(string json, out AgentOutcome outcome)
    {
        outcome = new AgentOutcome();
        AgentResult? result;
        try
        {
            result = JsonSerializer.Deserialize(json, MessageJsonContext.Default.AgentResult);
        }
        catch (JsonException)
        {
            return false;
        }

        if (result is null)
        {
            return false;
        }

        if (result.Status == AgentResult.Failure)
        {
            outcome = new AgentOutcome { Succeeded = false, Error = result.Error?.Trim() is { Length: > 0 } e ? e : "agent run failed" };
            return true;
        }

        outcome = new AgentOutcome
        {
            Succeeded = true,
            Result = result.Response ?? "",
            Usage = result.Metrics is { } m && (m.InputTokens > 0 || m.OutputTokens > 0)
                ? new TokenUsage
                {
                    InputTokens = m.InputTokens,
                    OutputTokens = m.OutputTokens,
                    TotalTokens = m.InputTokens + m.OutputTokens,
                    ToolCalls = m.ToolCalls,
                    DurationMs = m.DurationMs,
                }
                : null,
        };
        return true;
    }

    /// <summary>The last log line that mentions a rate limit or quota, whitespace collapsed and cut to 500 characters.</summary>
    public static string? RateLimitLine(string log)
    {
        ArgumentNullException.ThrowIfNull(log);
        foreach (var line in log.Split('\n').Reverse())
        {
            var lower = line.ToLowerInvariant();
            if (RateLimitHints.Any(h => lower.Contains(h, StringComparison.Ordinal)))
            {
                var collapsed = Whitespace().Replace(line, " ").Trim();
                return collapsed.Length <= MaxErrorLineLength ? collapsed : collapsed[..(MaxErrorLineLength - 3)] + "...";
            }
        }

        return null;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
