using System.Text.Json.Serialization;

namespace Sympozium.Api.Messages;

/// <summary>
/// The data of <c>channel.message.send</c>: a message for a user on a platform. Two writers: the
/// agent runner's <c>send_channel_message</c> tool (file <c>/ipc/messages/send-&lt;id&gt;.json</c>,
/// published unchanged by the ipc-bridge) and the controller's channel router (replies to
/// channel runs, deny messages). Read by the channel pod of the addressed instance and type,
/// which turns a <c>channel</c> or <c>text</c> the JSON left out or set to null into an empty string
/// (the deserializer leaves such a field null despite its type).
/// </summary>
public sealed record OutboundMessage
{
    /// <summary>Channel type: <c>telegram</c>, <c>slack</c>, <c>discord</c> or <c>whatsapp</c>.</summary>
    [JsonPropertyName("channel")]
    public string Channel { get; init; } = "";

    /// <summary>
    /// The conversation to write to. The router always writes it (possibly empty); the agent
    /// leaves it out to mean the instance owner's own chat.
    /// </summary>
    [JsonPropertyName("chatId")]
    public string? ChatId { get; init; }

    /// <summary>The thread to answer in (Slack <c>thread_ts</c>, Telegram forum topic).</summary>
    [JsonPropertyName("threadId")]
    public string? ThreadId { get; init; }

    [JsonPropertyName("text")]
    public string Text { get; init; } = "";

    /// <summary><c>markdown</c> (default), <c>html</c> or <c>plain</c>; platforms map it to their own markup.</summary>
    [JsonPropertyName("format")]
    public string? Format { get; init; }

    /// <summary>A platform message id to reply to (Telegram <c>reply_to_message_id</c>).</summary>
    [JsonPropertyName("replyTo")]
    public string? ReplyTo { get; init; }
}
