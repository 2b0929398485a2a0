using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;

namespace Sympozium.Controller.Channels;

/// <summary>Whether a channel message may start a run, and what to tell the sender if not.</summary>
/// <param name="Allowed">True when the message may start a run.</param>
/// <param name="Reason">Why it was refused, for the log (null when allowed).</param>
/// <param name="DenyMessage">The reply to a refused sender; null or empty drops the message silently.</param>
public sealed record AccessDecision(bool Allowed, string? Reason, string? DenyMessage)
{
    public static AccessDecision Allow { get; } = new(true, null, null);
}

/// <summary>
/// The access rules of <c>spec.channels[].accessControl</c>, applied as upstream does
/// (docs/design/channels.md#access-control): the first channel entry of the message's type decides;
/// none, or one without accessControl, allows everything.
/// </summary>
public static class ChannelAccess
{
    public static AccessDecision Check(SympoziumInstance instance, string channel, string? senderId, string? chatId)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var rules = instance.Spec.Channels?.FirstOrDefault(c => c.Type == channel)?.AccessControl;
        if (rules is null)
        {
            return AccessDecision.Allow;
        }

        string? reason = null;
        if (rules.AllowedChats is { Count: > 0 } chats && !chats.Contains(chatId ?? ""))
        {
            reason = $"chat '{chatId}' is not in allowedChats";
        }
        else if (rules.AllowedSenders is { Count: > 0 } senders && !senders.Contains(senderId ?? ""))
        {
            reason = $"sender '{senderId}' is not in allowedSenders";
        }
        else if (rules.DeniedSenders is { } denied && denied.Contains(senderId ?? ""))
        {
            reason = $"sender '{senderId}' is in deniedSenders";
        }

        return reason is null ? AccessDecision.Allow : new AccessDecision(false, reason, rules.DenyMessage);
    }

    /// <summary>
    /// Whether an agent's <c>send_channel_message</c> from <paramref name="run"/> may reach
    /// <paramref name="chatId"/> on <paramref name="channel"/>: the instance must have that
    /// channel; the chat the run answers is always allowed; any other chat only when the channel
    /// sets <c>allowAgentMessagesToAnyChat</c>, and never one outside <c>allowedChats</c>.
    /// Null when allowed, else the reason.
    /// </summary>
    public static string? CheckAgentMessage(SympoziumInstance instance, AgentRun run, string channel, string chatId)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(run);
        var spec = instance.Spec.Channels?.FirstOrDefault(c => c.Type == channel);
        if (spec is null)
        {
            return $"instance {instance.Metadata.Namespace}/{instance.Metadata.Name} has no {channel} channel";
        }

        var annotations = run.Metadata.Annotations ?? [];
        var ownChat = annotations.GetValueOrDefault(Annotations.ReplyChannel) == channel && annotations.GetValueOrDefault(Annotations.ReplyChatId) == chatId;
        if (ownChat)
        {
            return null;
        }

        if (spec.AllowAgentMessagesToAnyChat != true)
        {
            return $"chat '{chatId}' is not the chat this run answers; set spec.channels[{channel}].allowAgentMessagesToAnyChat on the instance to allow it";
        }

        return spec.AccessControl?.AllowedChats is { Count: > 0 } chats && !chats.Contains(chatId)
            ? $"chat '{chatId}' is not in spec.channels[{channel}].accessControl.allowedChats"
            : null;
    }
}
