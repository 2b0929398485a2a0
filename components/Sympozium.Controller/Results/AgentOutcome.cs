using Sympozium.Api.Kinds;

namespace Sympozium.Controller.Results;

/// <summary>What a finished agent reported: its termination message, and the log markers that message names by digest.</summary>
public sealed record AgentOutcome
{
    /// <summary>True/false when the agent reported success/error; null when it reported nothing.</summary>
    public bool? Succeeded { get; init; }

    /// <summary>The agent's reply on success.</summary>
    public string? Result { get; init; }

    /// <summary>Why it failed: the reported error, or (no report) a rate-limit/quota line of the log.</summary>
    public string? Error { get; init; }

    /// <summary>Usage when the agent counted any tokens.</summary>
    public TokenUsage? Usage { get; init; }

    /// <summary>The new MEMORY.md content, when the agent emitted a memory block.</summary>
    public string? MemoryUpdate { get; init; }
}
