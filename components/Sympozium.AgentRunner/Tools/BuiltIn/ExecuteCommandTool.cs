using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sympozium.Api.Messages;
using Sympozium.Api.WellKnown;
using Sympozium.AgentRunner.Tools.Ipc;

namespace Sympozium.AgentRunner.Tools.BuiltIn;

/// <summary>
/// <c>execute_command</c>: hands the command to a skill sidecar through
/// <c>/ipc/tools/exec-request-&lt;id&gt;.json</c> and waits for <c>exec-result-&lt;id&gt;.json</c>
/// (docs/design/ipc-protocol.md#tool-execution). The runner itself never executes anything.
/// </summary>
internal sealed class ExecuteCommandTool(RunnerPaths paths, ToolsOptions options, TimeProvider time) : IAgentTool
{
    public const string Name = "execute_command";

    private const string TruncationMarker = "\n... (output truncated)";

    public ToolDefinition Definition { get; } = new(
        Name,
        "Execute a shell command in a Kubernetes skill sidecar container. "
        + "Use this to run kubectl, bash scripts, curl, jq, and other CLI tools. "
        + "Commands execute in /workspace by default. "
        + "If specialized MCP tools are available for the task, prefer those instead. "
        + "When several skill sidecars are attached, set 'skill' to the SkillPack that provides the tool you need "
        + "(e.g. 'k8s-ops' for kubectl, 'github-gitops' for gh).",
        ToolSchema.Parse("""
            {"type":"object","properties":{
              "command":{"type":"string","description":"The shell command to execute (e.g. 'kubectl get pods -n default')"},
              "workdir":{"type":"string","description":"Working directory for the command. Defaults to /workspace."},
              "timeout":{"type":"integer","description":"Timeout in seconds (default 30, max 120)."},
              "skill":{"type":"string","description":"Optional. Name of the SkillPack whose sidecar should run this command (e.g. 'k8s-ops'). Leave empty to let any attached sidecar run it."}
            },"required":["command"]}
            """));

    public async Task<ToolResult> InvokeAsync(JsonObject arguments, CancellationToken cancellationToken)
    {
        var command = ToolArguments.String(arguments, "command");
        if (string.IsNullOrEmpty(command))
        {
            return ToolResult.Error("Error: 'command' is required");
        }

        var workDir = ToolArguments.String(arguments, "workdir");
        var timeout = ClampTimeout(ToolArguments.Number(arguments, "timeout"));
        var skill = ToolArguments.String(arguments, "skill")?.Trim().ToLowerInvariant();

        var id = IpcRequestIds.Next(time);
        var requestPath = paths.Resolve($"{IpcPaths.ToolsDir}/{IpcPaths.ExecRequestPrefix}{id}.json");
        var resultPath = paths.Resolve($"{IpcPaths.ToolsDir}/{IpcPaths.ExecResultPrefix}{id}.json");
        var request = new ExecRequest
        {
            Id = id,
            Command = command,
            WorkDir = string.IsNullOrEmpty(workDir) ? IpcPaths.Workspace : workDir,
            Timeout = (int)timeout.TotalSeconds,
            Skill = string.IsNullOrEmpty(skill) ? null : skill,
            Meta = options.TraceMetadata?.Invoke() is { Count: > 0 } meta ? meta : null,
        };

        try
        {
            IpcFileWriter.Write(requestPath, JsonSerializer.SerializeToUtf8Bytes(request, MessageJsonContext.Default.ExecRequest));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ToolResult.Error($"Error writing exec request: {FileErrors.Describe(e, IpcPaths.ToolsDir, requestPath)}");
        }

        options.Write($"wrote exec request {id}: {Truncate(command, 120)}");
        var completed = false;
        try
        {
            var outcome = await IpcResultPoller.WaitAsync(
                resultPath,
                MessageJsonContext.Default.ExecResult,
                timeout + options.ResultWaitGrace,
                options.ResultPollInterval,
                time,
                cancellationToken).ConfigureAwait(false);

            if (outcome.ParseError is { } parseError)
            {
                return ToolResult.Error($"Error parsing exec result: {parseError}");
            }

            if (outcome.Value is not { } result)
            {
                return ToolResult.Error("Error: timed out waiting for command execution result. The skill sidecar may not be running.");
            }

            completed = true;
            IpcFileWriter.TryDelete(resultPath);
            return Format(result, options.OutputLimit);
        }
        finally
        {
            // Also on timeout and cancellation: a sidecar that starts late must not run a
            // command whose caller has given up (upstream left the request behind).
            IpcFileWriter.TryDelete(requestPath);
            if (!completed)
            {
                options.Write($"exec request {id} abandoned");
            }
        }
    }

    /// <summary>1..cap seconds, whole seconds; absent, zero or negative gives the default.</summary>
    internal TimeSpan ClampTimeout(double? requested)
    {
        var cap = Math.Max(1, (int)options.ExecTimeoutCap.TotalSeconds);
        if (requested is not { } seconds || double.IsNaN(seconds) || seconds <= 0)
        {
            return TimeSpan.FromSeconds(Math.Clamp((int)options.DefaultExecTimeout.TotalSeconds, 1, cap));
        }

        return TimeSpan.FromSeconds(Math.Clamp((int)Math.Min(Math.Ceiling(seconds), cap), 1, cap));
    }

    /// <summary>
    /// stdout, then <c>STDERR: …</c>, <c>(command timed out)</c> and <c>(exit code: N)</c>, as
    /// upstream; a failed or timed-out command is flagged as an error result.
    /// </summary>
    internal static ToolResult Format(ExecResult result, int outputLimit)
    {
        var text = new StringBuilder();
        if (!string.IsNullOrEmpty(result.Stdout))
        {
            text.Append(result.Stdout);
        }

        if (!string.IsNullOrEmpty(result.Stderr))
        {
            if (text.Length > 0)
            {
                text.Append('\n');
            }

            text.Append("STDERR: ").Append(result.Stderr);
        }

        if (result.TimedOut)
        {
            text.Append("\n(command timed out)");
        }

        if (result.ExitCode != 0)
        {
            text.Append($"\n(exit code: {result.ExitCode})");
        }

        var output = text.Length == 0 ? "(no output)" : text.ToString();
        return new ToolResult(Utf8Text.Truncate(output, outputLimit, TruncationMarker), IsError: result.ExitCode != 0 || result.TimedOut);
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "...";
}
