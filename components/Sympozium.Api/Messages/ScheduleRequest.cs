using System.Text.Json.Serialization;

namespace Sympozium.Api.Messages;

/// <summary>
/// The data of <c>schedule.upsert</c>: the agent's <c>schedule_task</c> tool writes it to
/// <c>/ipc/schedules/schedule-&lt;id&gt;.json</c> and the ipc-bridge publishes it unchanged. Its
/// reader is the schedule router (upstream's makes a SympoziumSchedule <c>&lt;instance&gt;-&lt;name&gt;</c>),
/// which the controller does not have yet.
/// </summary>
public sealed record ScheduleRequest
{
    /// <summary>The schedule's short name (a valid resource name part).</summary>
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    /// <summary><c>create</c>, <c>update</c>, <c>suspend</c>, <c>resume</c> or <c>delete</c>.</summary>
    [JsonPropertyName("action")]
    public required string Action { get; init; }

    /// <summary>Five-field cron expression (create; optional for update).</summary>
    [JsonPropertyName("schedule")]
    public string? Schedule { get; init; }

    /// <summary>What the agent does each time (create; optional for update).</summary>
    [JsonPropertyName("task")]
    public string? Task { get; init; }
}
