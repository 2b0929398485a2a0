using System.Text.Json.Serialization;

namespace Sympozium.AgentRunner.Output;

/// <summary>The run's outcome as written to /ipc/output/result.json and the stdout result marker.</summary>
public sealed class AgentResult
{
    public const string Success = "success";
    public const string Failure = "error";

    /// <summary><c>success</c> or <c>error</c>.</summary>
    public string Status { get; set; } = Success;

    public string? Response { get; set; }

    public string? Error { get; set; }

    public RunMetrics Metrics { get; set; } = new();
}

/// <summary>Usage of the run. Token counts are reported on failure too (upstream zeroed them).</summary>
public sealed class RunMetrics
{
    public long DurationMs { get; set; }
    public long InputTokens { get; set; }
    public long OutputTokens { get; set; }
    public long ToolCalls { get; set; }
}

/// <summary>One streamed piece of output (/ipc/output/stream-N.json).</summary>
public sealed class StreamChunk
{
    public string Type { get; set; } = "text";
    public string Content { get; set; } = "";
    public int Index { get; set; }
}

/// <summary>The optional task file (/ipc/input/task.json).</summary>
public sealed class TaskInput
{
    public string? Task { get; set; }
    public string? SystemPrompt { get; set; }
    public string? AgentId { get; set; }
    public string? SessionKey { get; set; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AgentResult))]
[JsonSerializable(typeof(StreamChunk))]
[JsonSerializable(typeof(TaskInput))]
internal sealed partial class OutputJsonContext : JsonSerializerContext;
