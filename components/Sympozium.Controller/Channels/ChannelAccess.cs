using Sympozium.Api.Kinds;

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
}
