using Microsoft.Extensions.Logging;

namespace Sympozium.Channel.Discord.Internal;

/// <summary>Every log message of the Discord channel, with its event id (83xx), in one place.</summary>
internal static partial class Log
{
    [LoggerMessage(8301, LogLevel.Information, "Discord REST {ApiUrl}, allowed channels: {AllowedChannels}")]
    public static partial void Starting(ILogger logger, string apiUrl, string allowedChannels);

    [LoggerMessage(8302, LogLevel.Information, "Gateway connected to {Host} ({Mode})")]
    public static partial void GatewayConnected(ILogger logger, string host, string mode);

    [LoggerMessage(8303, LogLevel.Information, "Gateway ready as {BotId}, session {SessionId}")]
    public static partial void GatewayReady(ILogger logger, string botId, string sessionId);

    [LoggerMessage(8304, LogLevel.Information, "Gateway session resumed at sequence {Sequence}")]
    public static partial void GatewayResumed(ILogger logger, long? sequence);

    [LoggerMessage(8305, LogLevel.Warning, "Gateway connection ended: {Reason}; reconnecting in {Delay}")]
    public static partial void GatewayClosed(ILogger logger, string reason, TimeSpan delay);

    [LoggerMessage(8306, LogLevel.Warning, "Gateway frame is not JSON; ignored: {Reason}")]
    public static partial void GatewayBadFrame(ILogger logger, string reason);

    [LoggerMessage(8307, LogLevel.Information, "Ignored message {MessageId} in channel {ChannelId}: not in DISCORD_ALLOWED_CHANNEL_IDS")]
    public static partial void ChannelNotAllowed(ILogger logger, string channelId, string messageId);

    [LoggerMessage(8308, LogLevel.Error, "Gateway closed with {Code}: {Reason}. Not retrying; fix the bot's settings")]
    public static partial void GatewayFatal(ILogger logger, int code, string reason);
}
