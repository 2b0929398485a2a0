using System.ComponentModel;
using Sympozium.Api.Meta;
using Sympozium.Api.Schema;

namespace Sympozium.Api.Kinds;

/// <summary>Creates AgentRuns for an instance on a cron schedule.</summary>
[CustomResource("SympoziumSchedule", "sympoziumschedules", ShortNames = ["sysched"])]
[PrinterColumn("Instance", "string", ".spec.instanceRef")]
[PrinterColumn("Schedule", "string", ".spec.schedule")]
[PrinterColumn("Type", "string", ".spec.type")]
[PrinterColumn("Phase", "string", ".status.phase")]
[PrinterColumn("Last Run", "date", ".status.lastRunTime")]
[Description("SympoziumSchedule creates AgentRuns for an instance on a five-field cron schedule.")]
public sealed class SympoziumSchedule() : CustomResource<SympoziumScheduleSpec, SympoziumScheduleStatus>(KindName)
{
    public const string KindName = "SympoziumSchedule";
}

[Description("When and what to run.")]
public sealed class SympoziumScheduleSpec
{
    [SchemaRequired, MinLength(1), Format(Formats.Dns1123Subdomain)]
    [Description("SympoziumInstance in the same namespace.")]
    public string InstanceRef { get; set; } = "";

    [SchemaRequired, Format(Formats.Cron)]
    [Description("Five-field cron expression: minute hour day-of-month month day-of-week (e.g. */5 * * * *).")]
    public string Schedule { get; set; } = "";

    [SchemaRequired, MinLength(1)]
    [Description("Task text for each run.")]
    public string Task { get; set; } = "";

    [EnumValues("heartbeat", "scheduled", "sweep"), SchemaDefault("scheduled")]
    [Description("heartbeat, scheduled or sweep.")]
    public string? Type { get; set; }

    [Description("Pause triggering.")]
    public bool? Suspend { get; set; }

    [EnumValues("Forbid", "Allow", "Replace"), SchemaDefault("Forbid")]
    [Description("When the previous run is unfinished: Forbid skips, Allow runs anyway, Replace cancels the previous run.")]
    public string? ConcurrencyPolicy { get; set; }

    [SchemaDefault(true)]
    [Description("Prepend the instance's memory to the task.")]
    public bool? IncludeMemory { get; set; }
}

[Description("Observed state of the schedule.")]
public sealed class SympoziumScheduleStatus
{
    [EnumValues("Active", "Suspended", "Error")]
    [Description("Active, Suspended or Error.")]
    public string? Phase { get; set; }

    [Description("When the last run was created.")]
    public DateTimeOffset? LastRunTime { get; set; }

    [Description("When the next run is due.")]
    public DateTimeOffset? NextRunTime { get; set; }

    [Description("Name of the last run.")]
    public string? LastRunName { get; set; }

    [Description("Runs created so far.")]
    public long? TotalRuns { get; set; }

    [Description("Standard conditions.")]
    public List<Condition>? Conditions { get; set; }
}
