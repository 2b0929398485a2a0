using System.Text.Json;
using Sympozium.AgentRunner.Tools.Ipc;
using Sympozium.Api.Messages;
using Sympozium.Api.WellKnown;

namespace Sympozium.AgentRunner.Output;

/// <summary>
/// Publishes the outcome in the order the other containers rely on: stream chunk, result.json,
/// the done file, then the stdout marker (the controller reads the result file or the whole log).
/// </summary>
public sealed class RunOutputs(RunnerPaths paths, TextWriter stdout)
{
    // result.json is indented for people reading it with kubectl exec; the marker stays compact.
    private static readonly MessageJsonContext IndentedContext = new(new JsonSerializerOptions(MessageJsonContext.Default.Options) { WriteIndented = true, IndentSize = 2 });

    public void Write(AgentResult result, string? memoryUpdate)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (memoryUpdate is not null)
        {
            stdout.Write(LogMarkers.FormatMemory(memoryUpdate));
        }

        if (!string.IsNullOrEmpty(result.Response))
        {
            var chunk = new StreamChunk { Type = "text", Content = result.Response, Index = 0 };
            IpcFileWriter.WriteText(paths.Resolve(IpcPaths.OutputDir + "/" + IpcPaths.StreamChunkPrefix + "0.json"),
                JsonSerializer.Serialize(chunk, MessageJsonContext.Default.StreamChunk));
        }

        IpcFileWriter.WriteText(paths.Resolve(IpcPaths.ResultFile), JsonSerializer.Serialize(result, IndentedContext.AgentResult));
        // result.json before done: a sidecar that exits on done has the result to publish.
        IpcFileWriter.WriteText(paths.Resolve(IpcPaths.DoneFile), "done");
        stdout.Write(LogMarkers.FormatResult(JsonSerializer.Serialize(result, MessageJsonContext.Default.AgentResult)));
        stdout.Flush();
    }
}
