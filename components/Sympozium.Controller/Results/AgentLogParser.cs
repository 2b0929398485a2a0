using System.Text.Json;
using System.Text.RegularExpressions;
using Sympozium.Api.Kinds;
using Sympozium.Api.Messages;
using Sympozium.Api.WellKnown;

namespace Sympozium.Controller.Results;

/// <summary>
/// Reads a finished agent's outcome and memory update from what only the agent runner itself can
/// write: its container's termination message (docs/design/agent-runs.md#results-and-memory).
/// When the result or the memory did not fit there, the message carries their SHA-256 digests and
/// the full text is the log marker with that digest; a marker that some logged text spelled
/// (a fetched page, a command's output, a model's reply) has another digest and is ignored.
/// The whole log is searched, never a tail (docs/design/upstream-fixes.md#cp-13).
/// </summary>
public static partial class AgentLogParser
{
    /// <summary>Longest error line taken from a log without a result marker.</summary>
    public const int MaxErrorLineLength = 500;

    private static readonly string[] RateLimitHints =
        ["http 429", "status 429", "status code: 429", "(429)", " 429 ", "insufficient_quota", "quota", "rate limit", "too many requests"];

    /// <summary>The agent's termination message, or null when it left none (a crash, an image that does not write one) or it is not one.</summary>
    public static AgentTerminationMessage? ReadTerminationMessage(string? message)
    {
        if (string.IsNullOrWhiteSpace(message))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(message, MessageJsonContext.Default.AgentTerminationMessage) is { ResultSha256.Length: > 0 } parsed ? parsed : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>True when <see cref="Parse"/> needs the log: something is only named by its digest, or there is no termination message.</summary>
    public static bool NeedsLog(AgentTerminationMessage? message) =>
        message is null || message.Result is null || (message.MemorySha256 is not null && message.Memory is null);

    /// <summary>
    /// The outcome: the result and memory of the termination message, or the log markers whose
    /// digests it names. Without a termination message nothing in the log counts as a result; only
    /// a rate-limit line is taken as the error of the crashed agent.
    /// </summary>
    public static AgentOutcome Parse(AgentTerminationMessage? message, string? log)
    {
        if (message is null)
        {
            return new AgentOutcome { Error = log is null ? null : RateLimitLine(log) };
        }

        var memory = message.Memory is { } inline && (message.MemorySha256 is null || AgentTerminationMessage.Digest(inline) == message.MemorySha256)
            ? inline
            : message.MemorySha256 is { } memoryDigest && log is not null
                ? LogMarkers.MemoriesLastFirst(log).FirstOrDefault(m => AgentTerminationMessage.Digest(m) == memoryDigest)
                : null;
        memory = memory?.Trim() is { Length: > 0 } m ? m : null;

        if (message.Result is { } result)
        {
            return FromResult(result) with { MemoryUpdate = memory };
        }

        var payload = log is null ? null : LogMarkers.ResultsLastFirst(log).FirstOrDefault(p => AgentTerminationMessage.Digest(p) == message.ResultSha256);
        if (payload is not null && TryParseResult(payload, out var outcome))
        {
            return outcome with { MemoryUpdate = memory };
        }

        // The log lost the marker (rotated, or the agent's output was cut): the status still holds.
        return message.Status == AgentResult.Failure
            ? new AgentOutcome { Succeeded = false, Error = "the agent failed; its error report was larger than the termination message and no log marker matches its digest", MemoryUpdate = memory }
            : new AgentOutcome { Succeeded = true, Result = "", MemoryUpdate = memory };
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

        outcome = FromResult(result);
        return true;
    }

    private static AgentOutcome FromResult(AgentResult result)
    {
        if (result.Status == AgentResult.Failure)
        {
            return new AgentOutcome { Succeeded = false, Error = result.Error?.Trim() is { Length: > 0 } e ? e : "agent run failed" };
        }

        return new AgentOutcome
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
