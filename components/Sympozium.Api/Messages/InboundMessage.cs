using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sympozium.Api.Messages;

/// <summary>
/// The data of <c>channel.message.received</c>: what a user said on a platform. Written by the
/// channel pods (Telegram, Slack, Discord, WhatsApp), which stamp <see cref="Channel"/> and
/// <see cref="InstanceName"/> with their own; read by the controller's channel router, which
/// turns it into an AgentRun. Upstream pods write the same fields except <see cref="MessageId"/>.
/// Every field is nullable because the router must cope with whatever a publisher left out.
/// </summary>
public sealed record InboundMessage
{
    /// <summary>Channel type: <c>telegram</c>, <c>slack</c>, <c>discord</c> or <c>whatsapp</c>.</summary>
    [JsonPropertyName("channel")]
    public string? Channel { get; init; }

    /// <summary>The SympoziumInstance the channel pod serves.</summary>
    [JsonPropertyName("instanceName")]
    public string? InstanceName { get; init; }

    /// <summary>
    /// The instance's namespace. Our channel pods put it in the envelope metadata instead; the
    /// router still reads it here from publishers that send it.
    /// </summary>
    [JsonPropertyName("namespace")]
    public string? Namespace { get; init; }

    /// <summary>The platform's user id (Telegram <c>from.id</c>, Slack <c>user</c>).</summary>
    [JsonPropertyName("senderId")]
    public string? SenderId { get; init; }

    [JsonPropertyName("senderName")]
    public string? SenderName { get; init; }

    /// <summary>The conversation replies go to (Telegram <c>chat.id</c>, Slack channel id).</summary>
    [JsonPropertyName("chatId")]
    public string? ChatId { get; init; }

    /// <summary>The thread replies go into (Slack <c>thread_ts</c>, Telegram forum topic id).</summary>
    [JsonPropertyName("threadId")]
    public string? ThreadId { get; init; }

    [JsonPropertyName("text")]
    public string? Text { get; init; }

    /// <summary>
    /// The platform's id of this message (Telegram <c>message_id</c>, Slack <c>ts</c>); always sent
    /// by our pods, absent from upstream ones, which put it in <see cref="Metadata"/>.
    /// </summary>
    [JsonPropertyName("messageId")]
    public string? MessageId { get; init; }

    /// <summary>Platform details kept for the router and the agent (<c>messageId</c>, <c>username</c>, <c>chatType</c>, <c>ts</c>, …).</summary>
    [JsonPropertyName("metadata")]
    public Dictionary<string, JsonElement>? Metadata { get; init; }
}
