using Sympozium.AgentRunner.Tools.BuiltIn;

namespace Sympozium.AgentRunner.Tools;

/// <summary>The built-in tools of docs/design/agent-runner.md#built-in-tools, registered when
/// <c>TOOLS_ENABLED=true</c>.</summary>
public static class BuiltInTools
{
    /// <summary>The names, in the order they are registered (upstream's order).</summary>
    public static readonly IReadOnlyList<string> Names =
    [
        ExecuteCommandTool.Name, ReadFileTool.Name, ListDirectoryTool.Name, SendChannelMessageTool.Name,
        FetchUrlTool.Name, WriteFileTool.Name, ScheduleTaskTool.Name, DelegateToPersonaTool.Name,
    ];

    /// <summary>
    /// Adds execute_command, read_file, list_directory, send_channel_message, fetch_url,
    /// write_file, schedule_task and delegate_to_persona to <paramref name="registry"/>.
    /// fetch_url owns its HTTP handler: its connections must go through the SSRF guard.
    /// </summary>
    public static void Register(ToolRegistry registry, RunnerPaths paths, ToolsOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(options);
        time ??= TimeProvider.System;

        var readable = new PodPathGuard(paths, PodPathGuard.ReadRoots);
        var writable = new PodPathGuard(paths, PodPathGuard.WriteRoots);
        IAgentTool[] tools =
        [
            new ExecuteCommandTool(paths, options, time),
            new ReadFileTool(readable, options),
            new ListDirectoryTool(readable),
            new SendChannelMessageTool(paths, options, time),
            new FetchUrlTool(options, time),
            new WriteFileTool(writable, options),
            new ScheduleTaskTool(paths, options, time),
            new DelegateToPersonaTool(paths, options, time),
        ];

        foreach (var tool in tools)
        {
            if (!registry.Register(tool))
            {
                options.Write($"tool {tool.Definition.Name} already registered; the built-in one is not added");
            }
        }
    }
}
