namespace Sympozium.Channels;

/// <summary>The data of <c>channel.message.send</c> (upstream OutboundMessage).</summary>
public sealed record OutboundMessage
{
    public string Channel { get; init; } = "";

    public string ChatId { get; init; } = "";

    public string? ThreadId { get; init; }

    public string Text { get; init; } = "";

    /// <summary><c>markdown</c> (default), <c>html</c> or <c>plain</c>; platforms map it to their own markup.</summary>
    public string? Format { get; init; }

    /// <summary>A platform message id to reply to (Telegram <c>reply_to_message_id</c>).</summary>
    public string? ReplyTo { get; init; }
}
