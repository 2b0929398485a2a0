using System.Text.Json.Serialization;

namespace Sympozium.AgentRunner.Tools.Ipc;

/// <summary><c>/ipc/schedules/schedule-&lt;id&gt;.json</c>, relayed by the ipc-bridge to <c>schedule.upsert</c>.</summary>
public sealed record ScheduleRequest
{
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    /// <summary>create, update, suspend, resume or delete.</summary>
    [JsonPropertyName("action")]
    public required string Action { get; init; }

    [JsonPropertyName("schedule")]
    public string? Schedule { get; init; }

    [JsonPropertyName("task")]
    public string? Task { get; init; }
}
