using Microsoft.Extensions.Logging;

namespace Sympozium.EventBus.Internal;

/// <summary>Every log message of the event bus, with its event id (1xxx), in one place.</summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Information, "Connected to NATS at {Url} (auth: {Authentication})")]
    public static partial void Connected(ILogger logger, string url, string authentication);

    [LoggerMessage(1002, LogLevel.Warning, "NATS at {Url} is not reachable (attempt {Attempt}): {Reason}; retrying in {Delay}")]
    public static partial void ConnectFailed(ILogger logger, string url, int attempt, string reason, TimeSpan delay);

    [LoggerMessage(1003, LogLevel.Warning, "Disconnected from NATS: {Reason}; reconnecting")]
    public static partial void Disconnected(ILogger logger, string reason);

    [LoggerMessage(1004, LogLevel.Information, "Reconnected to NATS at {Url}")]
    public static partial void Reconnected(ILogger logger, string url);

    [LoggerMessage(1005, LogLevel.Warning, "Reconnect to NATS failed: {Reason}")]
    public static partial void ReconnectFailed(ILogger logger, string reason);

    [LoggerMessage(1010, LogLevel.Information, "Stream {Stream} ready (subjects {Subjects}, max age {MaxAge}, duplicate window {DuplicateWindow})")]
    public static partial void StreamReady(ILogger logger, string stream, string subjects, TimeSpan maxAge, TimeSpan duplicateWindow);

    [LoggerMessage(1011, LogLevel.Warning, "Stream {Stream} set-up failed (attempt {Attempt} of {Attempts}): {Reason}")]
    public static partial void StreamSetupFailed(ILogger logger, string stream, int attempt, int attempts, string reason);

    [LoggerMessage(1012, LogLevel.Warning, "Stream {Stream} exists with a configuration this process cannot update ({Reason}); using it as it is")]
    public static partial void StreamKeptAsIs(ILogger logger, string stream, string reason);

    [LoggerMessage(1020, LogLevel.Debug, "Published {Subject} (id {MessageId}) at sequence {Sequence}")]
    public static partial void Published(ILogger logger, string subject, string? messageId, ulong sequence);

    [LoggerMessage(1021, LogLevel.Information, "Publish of {Subject} (id {MessageId}) was a duplicate of sequence {Sequence}; the bus keeps one copy")]
    public static partial void PublishedDuplicate(ILogger logger, string subject, string? messageId, ulong sequence);

    [LoggerMessage(1030, LogLevel.Information, "Consumer {Consumer} on {Subject} ready (deliver {DeliverFrom})")]
    public static partial void ConsumerReady(ILogger logger, string consumer, string subject, DeliverFrom deliverFrom);

    [LoggerMessage(1031, LogLevel.Warning, "Consumer on {Subject} failed: {Reason}; recreating in {Delay}")]
    public static partial void ConsumerFailed(ILogger logger, string subject, string reason, TimeSpan delay);

    [LoggerMessage(1032, LogLevel.Warning, "Handler for {Subject} (sequence {Sequence}, delivery {Delivery} of {MaxDeliver}) failed; redelivering in {Delay}")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string subject, ulong sequence, ulong delivery, int maxDeliver, TimeSpan delay);

    [LoggerMessage(1033, LogLevel.Error, "Poison message on {Subject} (sequence {Sequence}) dropped after {Delivery} deliveries: {Reason}")]
    public static partial void PoisonDropped(ILogger logger, string subject, ulong sequence, ulong delivery, string reason);

    [LoggerMessage(1034, LogLevel.Warning, "Ack of {Subject} (sequence {Sequence}) failed: {Reason}; it may be redelivered")]
    public static partial void AckFailed(ILogger logger, string subject, ulong sequence, string reason);

    [LoggerMessage(1035, LogLevel.Debug, "Consumer {Consumer}: {Notification}")]
    public static partial void ConsumerNotification(ILogger logger, string consumer, string notification);

    [LoggerMessage(1036, LogLevel.Information, "Consumer {Consumer} on {Subject}: pulling afresh after the reconnect")]
    public static partial void ConsumerResuming(ILogger logger, string consumer, string subject);
}
