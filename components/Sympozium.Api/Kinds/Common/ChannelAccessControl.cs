using System.ComponentModel;

namespace Sympozium.Api.Kinds;

/// <summary>Who may trigger runs through a channel.</summary>
[Description("Sender and chat allow/deny lists for a channel.")]
public sealed class ChannelAccessControl
{
    [Description("If non-empty, only these sender IDs may trigger runs.")]
    public List<string>? AllowedSenders { get; set; }

    [Description("Sender IDs that are always rejected (wins over allowedSenders).")]
    public List<string>? DeniedSenders { get; set; }

    [Description("If non-empty, only messages from these chat IDs are accepted.")]
    public List<string>? AllowedChats { get; set; }

    [Description("Reply sent to a rejected sender; empty drops the message silently.")]
    public string? DenyMessage { get; set; }
}
