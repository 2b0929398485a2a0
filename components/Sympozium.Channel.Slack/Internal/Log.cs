using Microsoft.Extensions.Logging;

namespace Sympozium.Channel.Slack.Internal;

/// <summary>Every log message of the Slack channel, with its event id (82xx), in one place.</summary>
internal static partial class Log
{
    [LoggerMessage(8201, LogLevel.Information, "Slack in {Mode} mode, Web API {ApiUrl}")]
    public static partial void Mode(ILogger logger, SlackMode mode, string apiUrl);

    [LoggerMessage(8202, LogLevel.Information, "Socket Mode connected to {Host}")]
    public static partial void SocketConnected(ILogger logger, string host);

    [LoggerMessage(8203, LogLevel.Information, "Socket Mode hello received")]
    public static partial void SocketHello(ILogger logger);

    [LoggerMessage(8204, LogLevel.Warning, "Socket Mode connection ended: {Reason}; reconnecting in {Delay}")]
    public static partial void SocketClosed(ILogger logger, string reason, TimeSpan delay);

    [LoggerMessage(8205, LogLevel.Warning, "Socket Mode frame is not JSON; ignored: {Reason}")]
    public static partial void SocketBadFrame(ILogger logger, string reason);

    [LoggerMessage(8210, LogLevel.Information, "Events API listening on {Url}")]
    public static partial void EventsListening(ILogger logger, string url);

    [LoggerMessage(8211, LogLevel.Warning, "Events API request from {Remote} rejected: signature {Check}")]
    public static partial void EventsRejected(ILogger logger, SignatureCheck check, string remote);
}
