using System.Text.Json.Serialization;

namespace Sympozium.AgentRunner.Tools.Ipc;

/// <summary><c>/ipc/spawn/request-&lt;id&gt;.json</c>, relayed by the ipc-bridge to <c>agent.spawn.request</c>.</summary>
public sealed record SpawnRequest
{
    [JsonPropertyName("task")]
    public required string Task { get; init; }

    [JsonPropertyName("agentId")]
    public required string AgentId { get; init; }

    [JsonPropertyName("targetPersona")]
    public string? TargetPersona { get; init; }

    [JsonPropertyName("packName")]
    public string? PackName { get; init; }
}
