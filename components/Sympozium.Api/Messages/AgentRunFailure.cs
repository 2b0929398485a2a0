using System.Text.Json.Serialization;

namespace Sympozium.Api.Messages;

/// <summary>
/// The data of <c>agent.run.failed</c>: written by the controller when it fails a run (timeout,
/// Job failure, a postRun gate that blocked the answer); read by the channel router, which
/// tells the user.
/// </summary>
public sealed record AgentRunFailure
{
    /// <summary>Why the run failed, as recorded in the AgentRun's status.</summary>
    [JsonPropertyName("error")]
    public string? Error { get; init; }
}
