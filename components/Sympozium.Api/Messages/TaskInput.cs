using System.Text.Json.Serialization;

namespace Sympozium.Api.Messages;

/// <summary>
/// <c>/ipc/input/task.json</c>: the task when the <c>TASK</c> and <c>TASK_FILE</c> variables are empty. The agent runner
/// reads only <see cref="Task"/>; nothing in the pod writes the file (upstream neither), it is
/// there for running the agent by hand.
/// </summary>
public sealed record TaskInput
{
    [JsonPropertyName("task")]
    public string? Task { get; init; }

    [JsonPropertyName("systemPrompt")]
    public string? SystemPrompt { get; init; }

    [JsonPropertyName("agentId")]
    public string? AgentId { get; init; }

    [JsonPropertyName("sessionKey")]
    public string? SessionKey { get; init; }
}
