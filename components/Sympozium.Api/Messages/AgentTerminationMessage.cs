using System.Text.Json.Serialization;

namespace Sympozium.Api.Messages;

/// <summary>
/// What the agent runner writes to its container's termination message file
/// (<c>terminationMessagePath</c>, default <c>/dev/termination-log</c>); the kubelet copies it into
/// <c>status.containerStatuses[agent].state.terminated.message</c>, and the controller reads the
/// run's outcome and memory update from there and nowhere else
/// (docs/design/agent-runs.md#results-and-memory). Compact JSON within the agent's share of the
/// pod's termination-message budget (<see cref="BudgetFor"/>, at most <see cref="MaxBytes"/>). When the result or the memory update does not fit, only its
/// SHA-256 digest is here and the full text is the log marker whose payload has that digest, so
/// text the agent merely logged (a fetched page, a command's output) can never stand in for it.
/// </summary>
public sealed record AgentTerminationMessage
{
    /// <summary>The kubelet keeps at most this many bytes of a termination message.</summary>
    public const int MaxBytes = 4096;

    /// <summary>What a kubelet keeps of all of a pod's termination messages together, divided equally among its containers.</summary>
    public const int PodBudgetBytes = 12 * 1024;

    /// <summary>The smallest budget a runner works with: the status and both digests always fit.</summary>
    public const int MinBytes = 256;

    /// <summary>The bytes one container of a pod with <paramref name="containers"/> containers (init containers included) may use.</summary>
    public static int BudgetFor(int containers) => Math.Clamp(PodBudgetBytes / Math.Max(1, containers), MinBytes, MaxBytes);

    /// <summary>The file Kubernetes defaults <c>terminationMessagePath</c> to.</summary>
    public const string DefaultPath = "/dev/termination-log";

    /// <summary><c>success</c> or <c>error</c>, as in <see cref="AgentResult.Status"/>; always written.</summary>
    [JsonPropertyName("status")]
    public string? Status { get; init; }

    /// <summary>The whole result, when it fits; otherwise absent and <see cref="ResultSha256"/> names its log marker.</summary>
    [JsonPropertyName("result")]
    public AgentResult? Result { get; init; }

    /// <summary>SHA-256 (lower-case hex) of the payload of the agent's result marker; always written.</summary>
    [JsonPropertyName("resultSha256")]
    public string? ResultSha256 { get; init; }

    /// <summary>The new MEMORY.md, when the agent updated it and it fits.</summary>
    [JsonPropertyName("memory")]
    public string? Memory { get; init; }

    /// <summary>SHA-256 (lower-case hex) of the memory update (the content of its log marker); written whenever there is one.</summary>
    [JsonPropertyName("memorySha256")]
    public string? MemorySha256 { get; init; }

    /// <summary>Lower-case hex SHA-256 of the UTF-8 bytes of <paramref name="text"/> (managed: <see cref="Sha256Hex"/>).</summary>
    public static string Digest(string text) => Sha256Hex.Of(text);
}
