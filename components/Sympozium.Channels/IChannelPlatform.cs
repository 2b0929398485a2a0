using Sympozium.Api.Messages;

namespace Sympozium.Channels;

/// <summary>
/// One chat platform as a channel pod sees it: a loop that receives what users say, and a way
/// to send one message. Everything else (bus, instance filter, splitting, health, ack policy)
/// is <see cref="ChannelService"/>'s.
/// </summary>
public interface IChannelPlatform
{
    /// <summary>Longest text one platform message may hold (UTF-16 units); longer replies are split.</summary>
    int MaxTextLength { get; }

    /// <summary>
    /// Receives from the platform until cancelled, publishing each user message through
    /// <paramref name="inbound"/> and reporting the connection on <paramref name="health"/>.
    /// Recovers from platform errors itself; throws only when it cannot go on.
    /// </summary>
    Task ReceiveAsync(InboundPublisher inbound, ChannelHealth health, CancellationToken cancellationToken);

    /// <summary>Sends one message whose text fits <see cref="MaxTextLength"/>.</summary>
    /// <exception cref="ChannelSendException">Not delivered; <see cref="ChannelSendException.IsPermanent"/> says whether to give up.</exception>
    Task SendAsync(OutboundMessage message, CancellationToken cancellationToken);
}
