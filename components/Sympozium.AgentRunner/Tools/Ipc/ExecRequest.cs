using System.Text.Json.Serialization;

namespace Sympozium.AgentRunner.Tools.Ipc;

/// <summary>
/// <c>/ipc/tools/exec-request-&lt;id&gt;.json</c>, read by the skill sidecars' executor loop
/// (upstream internal/ipc ExecRequest; <c>args</c> and <c>stdin</c> are never sent by the runner).
/// </summary>
public sealed record ExecRequest
{
    [JsonPropertyName("id")]
    public required string Id { get; init; }

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

    [JsonPropertyName("_meta")]
    public IReadOnlyDictionary<string, string>? Meta { get; init; }
}
