using System.Text.Json.Serialization;

namespace Sympozium.Api.Messages;

/// <summary>
/// A command for a skill sidecar, <c>/ipc/tools/exec-request-&lt;id&gt;.json</c>: written by the
/// agent runner's <c>execute_command</c> tool, claimed and run by a skill sidecar's executor
/// loop, which answers with an <see cref="ExecResult"/> of the same id. The ipc-bridge also
/// publishes it on <c>tool.exec.request</c> (informational; no one consumes it). The runner never
/// sends upstream's <c>args</c> and <c>stdin</c>.
/// </summary>
[JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
public sealed record ExecRequest
{
    /// <summary>The id in both file names (Unix nanoseconds, unique within the run).</summary>
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    /// <summary>Run with <c>bash -c</c> in the sidecar.</summary>
    [JsonPropertyName("command")]
    public required string Command { get; init; }

    [JsonPropertyName("workDir")]
    public string? WorkDir { get; init; }

    /// <summary>Seconds, already clamped to 1..120.</summary>
    [JsonPropertyName("timeout")]
    public int Timeout { get; init; }

    /// <summary>
    /// Routing hint: the SkillPack whose sidecar should run the command (lower case). Absent:
    /// any sidecar may claim it, as upstream.
    /// </summary>
    [JsonPropertyName("skill")]
    public string? Skill { get; init; }

    /// <summary>Trace context (<c>trace_id</c>, <c>span_id</c>, <c>traceparent</c>) when tracing is on.</summary>
    [JsonPropertyName("_meta")]
    public IReadOnlyDictionary<string, string>? Meta { get; init; }
}
