using System.Text.Json.Serialization;

namespace Sympozium.AgentRunner.Tools.Ipc;

/// <summary><c>/ipc/tools/exec-result-&lt;id&gt;.json</c>, written by a skill sidecar (upstream ExecResult).</summary>
public sealed record ExecResult
{
    [JsonPropertyName("id")]
    public string? Id { get; init; }

    [JsonPropertyName("exitCode")]
    public int ExitCode { get; init; }

    [JsonPropertyName("stdout")]
    public string? Stdout { get; init; }

    [JsonPropertyName("stderr")]
    public string? Stderr { get; init; }

    [JsonPropertyName("timedOut")]
    public bool TimedOut { get; init; }
}
