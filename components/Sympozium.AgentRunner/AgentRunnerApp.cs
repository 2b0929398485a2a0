using System.Diagnostics;
using System.Text.Json;
using Sympozium.AgentRunner.Output;
using Sympozium.AgentRunner.Prompt;
using Sympozium.AgentRunner.Providers;
using Sympozium.AgentRunner.Tools;
using Sympozium.Api.Messages;
using Sympozium.Api.WellKnown;

namespace Sympozium.AgentRunner;

/// <summary>One agent run from environment to result: exit code 0 on success, 1 on failure.</summary>
public static class AgentRunnerApp
{
    public const string MissingTaskError = "TASK env var is empty and no /ipc/input/task.json found";

    public static async Task<int> RunAsync(RunnerOptions options, TextWriter stdout, TextWriter log, HttpMessageHandler? handler = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(log);
        var clock = Stopwatch.StartNew();
        var paths = new RunnerPaths(options.Root);
        // Every log line goes through LogSafeText: tool and provider text can never spell a marker.
        void Log(string message) => log.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss.fff} agent-runner: {LogSafeText.Line(message)}");
        var outputs = new RunOutputs(paths, stdout, options.TerminationMessagePath, options.TerminationMessageMaxBytes, Log);
        foreach (var warning in options.Warnings)
        {
            Log("warning: " + warning);
        }

        var (task, taskError) = ReadTask(options, paths, Log);
        if (string.IsNullOrWhiteSpace(task))
        {
            taskError ??= MissingTaskError;
            Log("error: " + taskError);
            outputs.Write(new AgentResult { Status = AgentResult.Failure, Error = taskError, Metrics = new RunMetrics { DurationMs = clock.ElapsedMilliseconds } }, null);
            return 1;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.EffectiveRunTimeout);

        using var http = handler is null ? new HttpClient { Timeout = Timeout.InfiniteTimeSpan } : new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
        var registry = new ToolRegistry();
        using var setup = await ToolSetup.ConfigureAsync(registry, paths, options, Log, deadline.Token).ConfigureAwait(false);

        string? autoContext = null;
        if (setup.Memory is IMemoryContext memory)
        {
            autoContext = await memory.SearchContextAsync(task, deadline.Token).ConfigureAwait(false);
        }

        string? storedMemory = null;
        if (options.MemoryEnabled && File.Exists(paths.Resolve(IpcPaths.MemoryFile)))
        {
            storedMemory = await File.ReadAllTextAsync(paths.Resolve(IpcPaths.MemoryFile), deadline.Token).ConfigureAwait(false);
        }

        var systemPrompt = SystemPromptBuilder.Build(new PromptInputs
        {
            BasePrompt = options.SystemPrompt,
            Skills = SkillLoader.Load(paths.Resolve(IpcPaths.Skills)),
            ToolsEnabled = options.ToolsEnabled,
            SourceChannel = options.SourceChannel,
            SourceChatId = options.SourceChatId,
            McpTools = [.. registry.Definitions.Select(d => (d.Name, Server: SystemPromptBuilder.McpServerOf(d))).Where(t => t.Server is not null).Select(t => (t.Name, t.Server!))],
            LegacyMemory = options.MemoryEnabled,
            MemoryServer = setup.Memory is not null,
            AutoContext = autoContext,
        });
        var context = new ChatRequestContext(systemPrompt, SystemPromptBuilder.UserMessage(task, storedMemory), registry.Definitions, options.Model);

        IChatProvider provider;
        try
        {
            provider = ProviderFactory.Create(options, context, http);
        }
        catch (ProviderException e)
        {
            Log("error: " + e.Message);
            outputs.Write(new AgentResult { Status = AgentResult.Failure, Error = e.Message, Metrics = new RunMetrics { DurationMs = clock.ElapsedMilliseconds } }, null);
            return 1;
        }

        Log($"run {options.RunId ?? "(local)"}: provider {provider.Name}, model {options.Model}, endpoint {LogSafeText.Url(provider.Endpoint)}, {registry.Count} tools, deadline {options.EffectiveRunTimeout}");
        var outcome = await new AgentLoop(provider, registry, options.MaxToolIterations, Log).RunAsync(deadline.Token).ConfigureAwait(false);

        var response = outcome.Response;
        // One line-ending convention: the kubelet splits the log on LF, and the digest must match what it keeps.
        var memoryUpdate = options.MemoryEnabled ? MemoryMarkers.Extract(response)?.ReplaceLineEndings("\n") : null;
        if (!options.Debug)
        {
            response = MemoryMarkers.Strip(response);
        }

        var finalResponse = response.Length > 0 ? response : null;
        if (outcome.Succeeded && finalResponse is not null && setup.Memory is IMemoryContext store)
        {
            // The client logs the outcome; a failed store does not fail the run.
            await store.StoreRunAsync(task, finalResponse, cancellationToken).ConfigureAwait(false);
        }

        var metrics = new RunMetrics
        {
            DurationMs = clock.ElapsedMilliseconds,
            InputTokens = outcome.InputTokens,
            OutputTokens = outcome.OutputTokens,
            ToolCalls = outcome.ToolCalls,
        };
        Log(outcome.Succeeded
            ? $"succeeded in {metrics.DurationMs} ms: {outcome.ToolCalls} tool calls, {outcome.InputTokens}+{outcome.OutputTokens} tokens"
            : $"failed after {metrics.DurationMs} ms: {outcome.Error}");
        outputs.Write(
            new AgentResult
            {
                Status = outcome.Succeeded ? AgentResult.Success : AgentResult.Failure,
                Response = finalResponse,
                Error = outcome.Error,
                Metrics = metrics,
            },
            memoryUpdate);
        return outcome.Succeeded ? 0 : 1;
    }

    /// <summary>
    /// The task: TASK, else the file named by TASK_FILE (what the controller sets: Linux limits one
    /// environment variable to 128 KiB), else /ipc/input/task.json. A TASK_FILE that cannot be read
    /// is an error naming the file.
    /// </summary>
    private static (string Task, string? Error) ReadTask(RunnerOptions options, RunnerPaths paths, Action<string> log)
    {
        if (options.Task.Length > 0)
        {
            return (options.Task, null);
        }

        if (options.TaskFile is { } taskFile)
        {
            try
            {
                return (File.ReadAllText(paths.Resolve(taskFile)), null);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                var reason = e is FileNotFoundException or DirectoryNotFoundException ? "it does not exist" : e is UnauthorizedAccessException ? "permission denied" : "I/O error";
                return ("", $"the task file {taskFile} (TASK_FILE) could not be read: {reason}");
            }
        }

        return (ReadTaskJson(paths, log), null);
    }

    private static string ReadTaskJson(RunnerPaths paths, Action<string> log)
    {
        var path = paths.Resolve(IpcPaths.TaskFile);
        if (!File.Exists(path))
        {
            return "";
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), MessageJsonContext.Default.TaskInput)?.Task ?? "";
        }
        catch (JsonException e)
        {
            log($"warning: {IpcPaths.TaskFile} is not valid JSON ({e.Message}); ignoring it");
            return "";
        }
    }
}
