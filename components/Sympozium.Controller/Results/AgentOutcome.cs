using Sympozium.Api.Kinds;

namespace Sympozium.Controller.Results;

/// <summary>What a finished agent reported, read from its log (result and memory markers).</summary>
public sealed record AgentOutcome
{
    /// <summary>True/false when a result marker said success/error; null when there was none.</summary>
    public bool? Succeeded { get; init; }

    /// <summary>The agent's reply on success.</summary>
    public string? Result { get; init; }

    /// <summary>Why it failed: the marker's error, or a rate-limit/quota line of the log.</summary>
    public string? Error { get; init; }

    /// <summary>Usage when the agent counted any tokens.</summary>
    public TokenUsage? Usage { get; init; }

    /// <summary>The new MEMORY.md content, when the agent emitted a memory block.</summary>
    public string? MemoryUpdate { get; init; }
}
