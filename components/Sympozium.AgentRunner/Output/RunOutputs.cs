using System.Text.Json;
using Sympozium.AgentRunner.Tools.Ipc;
using Sympozium.Api.Messages;
using Sympozium.Api.WellKnown;

namespace Sympozium.AgentRunner.Output;

/// <summary>
/// Publishes the outcome in the order the other containers rely on: stream chunk, result.json,
/// the termination message (what the controller records), the done file, then the stdout markers
/// (docs/design/agent-runner.md#result-and-markers).
/// </summary>
/// <param name="terminationMessagePath">Pod path of the container's terminationMessagePath.</param>
/// <param name="log">Receives a warning when the termination message cannot be written.</param>
/// <param name="terminationMessageMaxBytes">The container's share of the pod's termination-message budget.</param>
public sealed class RunOutputs(RunnerPaths paths, TextWriter stdout, string terminationMessagePath, int terminationMessageMaxBytes, Action<string> log)
{
    // result.json is indented for people reading it with kubectl exec; the marker stays compact.
    private static readonly MessageJsonContext IndentedContext = new(new JsonSerializerOptions(MessageJsonContext.Default.Options) { WriteIndented = true, IndentSize = 2 });

    public void Write(AgentResult result, string? memoryUpdate)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (!string.IsNullOrEmpty(result.Response))
        {
            var chunk = new StreamChunk { Type = "text", Content = result.Response, Index = 0 };
            IpcFileWriter.WriteText(paths.Resolve(IpcPaths.OutputDir + "/" + IpcPaths.StreamChunkPrefix + "0.json"),
                JsonSerializer.Serialize(chunk, MessageJsonContext.Default.StreamChunk));
        }

        IpcFileWriter.WriteText(paths.Resolve(IpcPaths.ResultFile), JsonSerializer.Serialize(result, IndentedContext.AgentResult));
        var payload = TerminationMessage.MarkerPayload(result);
        WriteTerminationMessage(TerminationMessage.Compose(result, payload, memoryUpdate, terminationMessageMaxBytes));

        // result.json before done: a sidecar that exits on done has the result to publish.
        IpcFileWriter.WriteText(paths.Resolve(IpcPaths.DoneFile), "done");
        if (memoryUpdate is not null)
        {
            stdout.Write(LogMarkers.FormatMemory(memoryUpdate));
        }

        stdout.Write(LogMarkers.FormatResult(payload));
        stdout.Flush();
    }

    private void WriteTerminationMessage(string message)
    {
        var path = paths.Resolve(terminationMessagePath);
        try
        {
            TerminationMessage.Write(path, message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Outside Kubernetes (a plain container, a developer's shell) there may be no such file.
            log($"warning: the termination message could not be written to {terminationMessagePath} ({e.Message}); a controller will not record this run's result");
        }
    }
}
