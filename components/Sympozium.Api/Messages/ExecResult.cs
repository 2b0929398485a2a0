using System.Text.Json.Serialization;

namespace Sympozium.Api.Messages;

/// <summary>
/// The outcome of an <see cref="ExecRequest"/>, <c>/ipc/tools/exec-result-&lt;id&gt;.json</c>:
/// written by the skill sidecar that ran the command (or by the ipc-bridge from
/// <c>tool.exec.result.&lt;run&gt;</c>, named by <see cref="Id"/>); read by the agent runner.
/// Numbers may arrive as strings (shell writers).
/// </summary>
[JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
public sealed record ExecResult
{
    /// <summary>The request's id.</summary>
    [JsonPropertyName("id")]
    public string? Id { get; init; }

    /// <summary>The command's exit code; 124 when it timed out.</summary>
    [JsonPropertyName("exitCode")]
    public int ExitCode { get; init; }

    [JsonPropertyName("stdout")]
    public string? Stdout { get; init; }

    [JsonPropertyName("stderr")]
    public string? Stderr { get; init; }

    [JsonPropertyName("timedOut")]
    public bool TimedOut { get; init; }
}
