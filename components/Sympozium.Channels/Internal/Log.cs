using Microsoft.Extensions.Logging;

namespace Sympozium.Channels.Internal;

/// <summary>Every log message of the shared channel runtime, with its event id (80xx), in one place.</summary>
internal static partial class Log
{
    [LoggerMessage(8001, LogLevel.Information, "channel-{Channel} starting for instance {Namespace}/{Instance}: bus {Url}, health on :{HealthPort}")]
    public static partial void Starting(ILogger logger, string channel, string @namespace, string instance, string url, int healthPort);

    [LoggerMessage(8002, LogLevel.Information, "channel-{Channel} ready: bus connected, outbound consumer {Consumer}")]
    public static partial void Ready(ILogger logger, string channel, string consumer);

    [LoggerMessage(8003, LogLevel.Warning, "Event bus unavailable, still trying: {Reason}")]
    public static partial void BusUnavailable(ILogger logger, string reason);

    [LoggerMessage(8004, LogLevel.Critical, "channel-{Channel} failed")]
    public static partial void Crashed(ILogger logger, string channel, Exception exception);

    [LoggerMessage(8010, LogLevel.Information, "Published message {MessageId} of chat {ChatId} (sequence {Sequence}, duplicate {Duplicate})")]
    public static partial void InboundPublished(ILogger logger, string chatId, string messageId, ulong sequence, bool duplicate);

    [LoggerMessage(8011, LogLevel.Warning, "Publishing message {MessageId} of chat {ChatId} failed (attempt {Attempt}): {Reason}; retrying in {Delay}")]
    public static partial void InboundRetry(ILogger logger, string chatId, string messageId, int attempt, string reason, TimeSpan delay);

    [LoggerMessage(8012, LogLevel.Error, "The bus rejected message {MessageId} of chat {ChatId}; dropped: {Reason}")]
    public static partial void InboundRejected(ILogger logger, string chatId, string messageId, string reason);

    [LoggerMessage(8020, LogLevel.Debug, "Outbound event {Sequence} is for {Namespace}/{Instance} channel {Channel}, not this pod; skipped")]
    public static partial void OutboundSkipped(ILogger logger, ulong sequence, string @namespace, string instance, string channel);

    [LoggerMessage(8021, LogLevel.Warning, "Outbound event {Sequence} cannot be sent ({Reason}); dropped")]
    public static partial void OutboundInvalid(ILogger logger, ulong sequence, string reason);

    [LoggerMessage(8022, LogLevel.Information, "Sent outbound event {Sequence} to chat {ChatId} in {Parts} message(s)")]
    public static partial void OutboundSent(ILogger logger, ulong sequence, string chatId, int parts);

    [LoggerMessage(8023, LogLevel.Error, "Outbound event {Sequence} to chat {ChatId} failed for good at part {Part}/{Parts}; dropped: {Reason}")]
    public static partial void OutboundFailedPermanently(ILogger logger, ulong sequence, string chatId, int part, int parts, string reason);

    [LoggerMessage(8024, LogLevel.Warning, "Outbound event {Sequence} to chat {ChatId} failed at part {Part}/{Parts} (delivery {Delivery} of {MaxDeliver}); the bus redelivers it: {Reason}")]
    public static partial void OutboundFailed(ILogger logger, ulong sequence, string chatId, int part, int parts, ulong delivery, int maxDeliver, string reason);

    [LoggerMessage(8025, LogLevel.Error, "Outbound event {Sequence} to chat {ChatId} given up at part {Part}/{Parts} after {Delivery} deliveries over at least {RetriedFor}: {Reason}")]
    public static partial void OutboundGaveUp(ILogger logger, ulong sequence, string chatId, int part, int parts, ulong delivery, TimeSpan retriedFor, string reason);

    [LoggerMessage(8026, LogLevel.Information, "Outbound event {Sequence} to chat {ChatId} was sent before ({Parts} message(s)); not sent again")]
    public static partial void OutboundAlreadySent(ILogger logger, ulong sequence, string chatId, int parts);

    [LoggerMessage(8027, LogLevel.Warning, "Outbound progress bucket {Bucket} unusable ({Reason}); parts sent are remembered in this process only, and the bucket is tried again in a minute")]
    public static partial void ProgressBucketFailed(ILogger logger, string bucket, string reason);

    [LoggerMessage(8028, LogLevel.Information, "Outbound progress bucket {Bucket} works again")]
    public static partial void ProgressBucketBack(ILogger logger, string bucket);

    [LoggerMessage(8030, LogLevel.Warning, "{Operation}: attempt {Attempt}/{MaxAttempts} failed ({Reason}); retrying in {Delay}")]
    public static partial void HttpRetry(ILogger logger, string operation, int attempt, int maxAttempts, string reason, TimeSpan delay);

    [LoggerMessage(8031, LogLevel.Warning, "{Operation}: HTTP {Status} asks to wait {Wait}, longer than {MaxDelay}; giving up this attempt")]
    public static partial void HttpRetryTooLong(ILogger logger, string operation, int status, TimeSpan wait, TimeSpan maxDelay);
}
