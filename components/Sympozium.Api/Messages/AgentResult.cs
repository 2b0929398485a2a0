using System.Text.Json.Serialization;

namespace Sympozium.Api.Messages;

/// <summary>
/// How an agent run ended. The agent runner writes it to <c>/ipc/output/result.json</c> (indented)
/// and prints it compact between the result markers on stdout; the ipc-bridge publishes the file
/// unchanged as the data of <c>agent.run.completed</c>. The controller reads it from the agent's
/// log and, for a gated run, publishes its own <c>agent.run.completed</c> with this record and no
/// <see cref="Metrics"/>. The channel router reads it to answer the user.
/// </summary>
public sealed record AgentResult
{
    /// <summary>The <see cref="Status"/> of a run that answered.</summary>
    public const string Success = "success";

    /// <summary>The <see cref="Status"/> of a run that failed.</summary>
    public const string Failure = "error";

    /// <summary><c>success</c> or <c>error</c>; always written. Readers treat anything but <c>error</c> (even absent) as success.</summary>
    [JsonPropertyName("status")]
    public string? Status { get; init; }

    /// <summary>The agent's answer; absent when it had nothing to say.</summary>
    [JsonPropertyName("response")]
    public string? Response { get; init; }

    /// <summary>Why the run failed; absent on success.</summary>
    [JsonPropertyName("error")]
    public string? Error { get; init; }

    /// <summary>Usage; always written by the agent, absent from the controller's gated completion.</summary>
    [JsonPropertyName("metrics")]
    public RunMetrics? Metrics { get; init; }
}
