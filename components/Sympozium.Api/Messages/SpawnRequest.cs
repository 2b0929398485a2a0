using System.Text.Json.Serialization;

namespace Sympozium.Api.Messages;

/// <summary>
/// The data of <c>agent.spawn.request</c>: the agent's <c>delegate_to_persona</c> tool writes it
/// to <c>/ipc/spawn/request-&lt;id&gt;.json</c> and the ipc-bridge publishes it unchanged. No
/// component consumes it yet (upstream neither).
/// </summary>
public sealed record SpawnRequest
{
    /// <summary>What the delegate should do.</summary>
    [JsonPropertyName("task")]
    public required string Task { get; init; }

    /// <summary>Always <c>default</c> from the runner.</summary>
    [JsonPropertyName("agentId")]
    public required string AgentId { get; init; }

    /// <summary>The persona of the pack that should take the task.</summary>
    [JsonPropertyName("targetPersona")]
    public string? TargetPersona { get; init; }

    /// <summary>The PersonaPack of the delegating agent (<c>PERSONA_PACK_NAME</c>).</summary>
    [JsonPropertyName("packName")]
    public string? PackName { get; init; }
}
