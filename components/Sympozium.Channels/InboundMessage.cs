using System.Text.Json;

namespace Sympozium.Channels;

/// <summary>
/// The data of <c>channel.message.received</c> (upstream InboundMessage, camelCase JSON).
/// <see cref="Channel"/> and <see cref="InstanceName"/> are set by <see cref="InboundPublisher"/>.
/// </summary>
public sealed record InboundMessage
{
    public string Channel { get; init; } = "";

    public string InstanceName { get; init; } = "";

    /// <summary>The platform's user id (Telegram <c>from.id</c>, Slack <c>user</c>).</summary>
    public required string SenderId { get; init; }

    public string? SenderName { get; init; }

    /// <summary>The conversation replies go to (Telegram <c>chat.id</c>, Slack channel id).</summary>
    public required string ChatId { get; init; }

    /// <summary>Thread replies go into (Slack <c>thread_ts</c>, Telegram forum topic id).</summary>
    public string? ThreadId { get; init; }

    public required string Text { get; init; }

    /// <summary>The platform's id of this message (Telegram <c>message_id</c>, Slack <c>ts</c>).</summary>
    public required string MessageId { get; init; }

    /// <summary>Platform details kept for the router and the agent (<c>username</c>, <c>chatType</c>, <c>ts</c>, …).</summary>
    public Dictionary<string, JsonElement>? Metadata { get; init; }
}
