using System.Text.Json;
using System.Text.Json.Nodes;
using Sympozium.Api.Validation;
using Sympozium.Api.Messages;
using Sympozium.Api.WellKnown;
using Sympozium.AgentRunner.Tools.Ipc;

namespace Sympozium.AgentRunner.Tools.BuiltIn;

/// <summary>
/// <c>schedule_task</c>: drops <c>/ipc/schedules/schedule-&lt;id&gt;.json</c> for the ipc-bridge to
/// publish on <c>schedule.upsert</c>, where the schedule router turns it into a
/// SympoziumSchedule. The cron expression and the name are checked here, so the model hears about
/// a mistake now instead of the router dropping the request later.
/// </summary>
internal sealed class ScheduleTaskTool(RunnerPaths paths, ToolsOptions options, TimeProvider time) : IAgentTool
{
    public const string Name = "schedule_task";

    public ToolDefinition Definition { get; } = new(
        Name,
        "Create, update, or delete a recurring scheduled task. "
        + "Use this to set up heartbeats, periodic checks, or any repeating work. "
        + "The schedule fires automatically and creates a new AgentRun each time. "
        + "You can adjust the interval, update the task description, pause, or delete a schedule.",
        ToolSchema.Parse("""
            {"type":"object","properties":{
              "name":{"type":"string","description":"A short unique name for this schedule (e.g. 'cluster-health-check', 'daily-report'). Used as the SympoziumSchedule resource name."},
              "schedule":{"type":"string","description":"Cron expression for how often to run (e.g. '0 */3 * * *' for every 3 hours, '*/30 * * * *' for every 30 minutes, '0 9 * * 1-5' for weekdays at 9am). Standard 5-field cron format: minute hour day-of-month month day-of-week."},
              "task":{"type":"string","description":"The task description the agent will receive each time the schedule fires. Be specific and self-contained — each run is independent."},
              "action":{"type":"string","description":"What to do: 'create' (new schedule), 'update' (change schedule/task), 'suspend' (pause), 'resume' (unpause), or 'delete' (remove).","enum":["create","update","suspend","resume","delete"]}
            },"required":["name","action"]}
            """));

    public Task<ToolResult> InvokeAsync(JsonObject arguments, CancellationToken cancellationToken) =>
        Task.FromResult(Invoke(arguments));

    private ToolResult Invoke(JsonObject arguments)
    {
        var name = ToolArguments.String(arguments, "name")?.Trim();
        var action = ToolArguments.String(arguments, "action")?.Trim().ToLowerInvariant();
        var schedule = ToolArguments.String(arguments, "schedule")?.Trim();
        var task = ToolArguments.String(arguments, "task");
        schedule = string.IsNullOrEmpty(schedule) ? null : schedule;
        task = string.IsNullOrEmpty(task) ? null : task;

        if (string.IsNullOrEmpty(name))
        {
            return ToolResult.Error("Error: 'name' is required — a short unique name for this schedule");
        }

        if (string.IsNullOrEmpty(action))
        {
            return ToolResult.Error("Error: 'action' is required (create, update, suspend, resume, delete)");
        }

        switch (action)
        {
            case "create":
                if (schedule is null)
                {
                    return ToolResult.Error("Error: 'schedule' is required for create (cron expression, e.g. '0 */3 * * *')");
                }

                if (task is null)
                {
                    return ToolResult.Error("Error: 'task' is required for create — what should the agent do each time?");
                }

                break;
            case "update":
                if (schedule is null && task is null)
                {
                    return ToolResult.Error("Error: 'schedule' and/or 'task' required for update — provide what you want to change");
                }

                break;
            case "suspend" or "resume" or "delete":
                break;
            default:
                return ToolResult.Error($"Error: unknown action '{action}' — use create, update, suspend, resume, or delete");
        }

        if (NameRules.CheckSubdomain(name) is { } nameError)
        {
            return ToolResult.Error($"Error: invalid schedule name: {nameError}");
        }

        if (schedule is not null && !CronExpression.TryParse(schedule, out _, out var cronError))
        {
            return ToolResult.Error($"Error: invalid cron schedule: {cronError}");
        }

        var request = new ScheduleRequest { Name = name, Action = action, Schedule = schedule, Task = task };
        var id = IpcRequestIds.Next(time);
        var path = paths.Resolve($"{IpcPaths.SchedulesDir}/{IpcPaths.SchedulePrefix}{id}.json");
        try
        {
            IpcFileWriter.Write(path, JsonSerializer.SerializeToUtf8Bytes(request, MessageJsonContext.Default.ScheduleRequest));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ToolResult.Error($"Error writing schedule file: {FileErrors.Describe(e, IpcPaths.SchedulesDir, path)}");
        }

        options.Write($"wrote schedule request {id}: name={name} action={action} schedule={schedule}");
        return new ToolResult(action switch
        {
            "create" => $"Schedule '{name}' created with cron '{schedule}'. The task will run automatically on this interval.",
            "update" => $"Schedule '{name}' updated: {string.Join(", ", UpdatedParts(schedule, task))}",
            "suspend" => $"Schedule '{name}' suspended. It will not fire until resumed.",
            "resume" => $"Schedule '{name}' resumed. Next run will fire according to the cron expression.",
            _ => $"Schedule '{name}' deleted.",
        });
    }

    private static IEnumerable<string> UpdatedParts(string? schedule, string? task)
    {
        if (schedule is not null)
        {
            yield return $"schedule='{schedule}'";
        }

        if (task is not null)
        {
            yield return "task updated";
        }
    }
}
