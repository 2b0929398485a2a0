using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sympozium.Controller.Channels;

/// <summary>
/// The data of <c>channel.message.received</c> as channel pods publish it (data-plane.md §4.4,
/// upstream InboundMessage). Every field is optional here: the router decides what it needs.
/// </summary>
public sealed record InboundMessage
{
    /// <summary>Channel type (<c>telegram</c>, <c>slack</c>, …); overwritten by the publishing pod.</summary>
    public string? Channel { get; init; }

    /// <summary>The instance the channel pod serves; overwritten by the publishing pod.</summary>
    public string? InstanceName { get; init; }

    /// <summary>The instance's namespace. Upstream pods never send it; ours put it in the envelope metadata.</summary>
    public string? Namespace { get; init; }

    public string? SenderId { get; init; }

    public string? SenderName { get; init; }

    public string? ChatId { get; init; }

    /// <summary>Slack <c>thread_ts</c>; replies go back into this thread.</summary>
    public string? ThreadId { get; init; }

    public string? Text { get; init; }

    /// <summary>The platform's id of the message; sent by our channel pods, not by upstream ones (they put it in <see cref="Metadata"/>).</summary>
    public string? MessageId { get; init; }

    /// <summary>Channel-specific details: <c>messageId</c> (Telegram, Discord, WhatsApp), <c>ts</c> (Slack), …</summary>
    public Dictionary<string, JsonElement>? Metadata { get; init; }
}

/// <summary>The data of <c>channel.message.send</c> (upstream OutboundMessage).</summary>
public sealed record OutboundMessage
{
    public required string Channel { get; init; }

    /// <summary>Always written, possibly empty (WhatsApp then answers in the owner's own chat).</summary>
    public required string ChatId { get; init; }

    public string? ThreadId { get; init; }

    public required string Text { get; init; }
}

/// <summary>
/// What the router reads from <c>agent.run.completed</c> (the agent's result.json) and
/// <c>agent.run.failed</c> (<c>{"error": …}</c>).
/// </summary>
public sealed record RunOutcomeData
{
    /// <summary><c>success</c> or <c>error</c> (completed only).</summary>
    public string? Status { get; init; }

    public string? Response { get; init; }

    public string? Error { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    PropertyNameCaseInsensitive = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(InboundMessage))]
[JsonSerializable(typeof(OutboundMessage))]
[JsonSerializable(typeof(RunOutcomeData))]
internal sealed partial class ChannelJsonContext : JsonSerializerContext;
