using System.Text.Json;
using Sympozium.Api.Messages;
using Sympozium.Channels;

namespace Sympozium.Channel.Slack;

/// <summary>
/// Which Slack events are user messages, and how they become inbound messages. Pure.
/// </summary>
internal static class SlackEventMapper
{
    /// <summary>
    /// A <c>message</c> event with a user and text and neither <c>bot_id</c> (our own replies:
    /// the loop guard) nor a <c>subtype</c> (edits, joins, bot messages) → an inbound message;
    /// anything else → null.
    /// </summary>
    /// <remarks>
    /// The thread: a message in a thread keeps its <c>thread_ts</c>; a top-level message in a
    /// channel starts a thread under itself (<c>ts</c>), so the reply stays next to the question
    /// and a busy channel is not flooded; in a direct message (<c>im</c>) replies go to the
    /// conversation itself.
    /// </remarks>
    public static InboundMessage? Map(SlackEvent? e)
    {
        if (e is not { Type: "message", Subtype: null, BotId: null, User: { Length: > 0 } user, Text: { Length: > 0 } text, Channel: { Length: > 0 } channel, Ts: { Length: > 0 } ts })
        {
            return null;
        }

        var metadata = new Dictionary<string, JsonElement>
        {
            ["ts"] = JsonSerializer.SerializeToElement(ts, SlackJsonContext.Default.String),
        };
        if (e.ChannelType is { } channelType)
        {
            metadata["channelType"] = JsonSerializer.SerializeToElement(channelType, SlackJsonContext.Default.String);
        }

        if (e.Team is { } team)
        {
            metadata["team"] = JsonSerializer.SerializeToElement(team, SlackJsonContext.Default.String);
        }

        return new InboundMessage
        {
            SenderId = user,
            ChatId = channel,
            ThreadId = e.ThreadTs ?? (e.ChannelType == "im" ? null : ts),
            Text = text,
            MessageId = ts,
            Metadata = metadata,
        };
    }
}
