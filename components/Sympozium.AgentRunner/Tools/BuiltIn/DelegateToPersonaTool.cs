using System.Text.Json;
using System.Text.Json.Nodes;
using Sympozium.Api.Messages;
using Sympozium.Api.WellKnown;
using Sympozium.AgentRunner.Tools.Ipc;

namespace Sympozium.AgentRunner.Tools.BuiltIn;

/// <summary>
/// <c>delegate_to_persona</c>: drops <c>/ipc/spawn/request-&lt;id&gt;.json</c> for the ipc-bridge to
/// publish on <c>agent.spawn.request</c>. Only agents of a PersonaPack can delegate. The result
/// of the delegate run is not returned to this conversation.
/// </summary>
internal sealed class DelegateToPersonaTool(RunnerPaths paths, ToolsOptions options, TimeProvider time) : IAgentTool
{
    public const string Name = "delegate_to_persona";

    public ToolDefinition Definition { get; } = new(
        Name,
        "Delegate a task to another persona in your team (PersonaPack). "
        + "Use this when your task requires expertise from another team member. "
        + "The target persona receives the task and runs it independently as its own agent run. "
        + "Only personas defined in the same PersonaPack can be targeted.",
        ToolSchema.Parse("""
            {"type":"object","properties":{
              "targetPersona":{"type":"string","description":"The name of the persona to delegate to (e.g. 'writer', 'reviewer'). Must be a persona in the same PersonaPack."},
              "task":{"type":"string","description":"The task description for the target persona. Be specific and include all necessary context — the target persona runs independently."}
            },"required":["targetPersona","task"]}
            """));

    public Task<ToolResult> InvokeAsync(JsonObject arguments, CancellationToken cancellationToken) =>
        Task.FromResult(Invoke(arguments));

    private ToolResult Invoke(JsonObject arguments)
    {
        var target = ToolArguments.String(arguments, "targetPersona")?.Trim();
        var task = ToolArguments.String(arguments, "task");
        if (string.IsNullOrEmpty(target))
        {
            return ToolResult.Error("Error: 'targetPersona' is required — specify the persona name to delegate to (e.g. 'writer')");
        }

        if (string.IsNullOrEmpty(task))
        {
            return ToolResult.Error("Error: 'task' is required — describe what the target persona should do");
        }

        var pack = options.PersonaPackName;
        if (string.IsNullOrEmpty(pack))
        {
            return ToolResult.Error(
                "Error: this agent is not part of a PersonaPack — delegation requires a pack context. "
                + "PERSONA_PACK_NAME environment variable is not set.");
        }

        var request = new SpawnRequest { Task = task, AgentId = "default", TargetPersona = target, PackName = pack };
        var id = IpcRequestIds.Next(time);
        var path = paths.Resolve($"{IpcPaths.SpawnDir}/{IpcPaths.SpawnRequestPrefix}{id}.json");
        try
        {
            IpcFileWriter.Write(path, JsonSerializer.SerializeToUtf8Bytes(request, MessageJsonContext.Default.SpawnRequest));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ToolResult.Error($"Error writing spawn request: {FileErrors.Describe(e, IpcPaths.SpawnDir, path)}");
        }

        options.Write($"delegated to persona {target} in pack {pack} (request {id})");
        return new ToolResult(
            $"Delegation sent: persona '{target}' in pack '{pack}' will run the task as a separate agent run. "
            + "Its result is not returned to this conversation.");
    }
}
