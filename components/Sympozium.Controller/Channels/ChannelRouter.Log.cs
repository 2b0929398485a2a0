using Microsoft.Extensions.Logging;

namespace Sympozium.Controller.Channels;

public sealed partial class ChannelRouter
{
    private static partial class Log
    {
        [LoggerMessage(7001, LogLevel.Information, "Channel router consuming (durable consumers {Inbound} and {Outcomes})")]
        public static partial void Started(ILogger logger, string inbound, string outcomes);

        [LoggerMessage(7002, LogLevel.Information, "Channel router stopped")]
        public static partial void Stopped(ILogger logger);

        [LoggerMessage(7003, LogLevel.Warning, "Channel message #{Sequence} dropped: the data is not a channel message ({Problem})")]
        public static partial void MessageMalformed(ILogger logger, ulong sequence, string problem);

        [LoggerMessage(7004, LogLevel.Debug, "Channel message #{Sequence} ignored: {Reason}")]
        public static partial void MessageIgnored(ILogger logger, ulong sequence, string reason);

        [LoggerMessage(7005, LogLevel.Warning, "Channel message #{Sequence} dropped: SympoziumInstance {Instance} not found")]
        public static partial void InstanceNotFound(ILogger logger, ulong sequence, string instance);

        [LoggerMessage(7007, LogLevel.Information, "Channel message for {Namespace}/{Instance} via {Channel} denied ({Reason}); {Action}")]
        public static partial void MessageDenied(ILogger logger, string @namespace, string instance, string channel, string reason, string action);

        [LoggerMessage(7008, LogLevel.Information, "AgentRun {Namespace}/{Run} created for a {Channel} message in chat {ChatId}")]
        public static partial void RunCreated(ILogger logger, string @namespace, string run, string channel, string chatId);

        [LoggerMessage(7009, LogLevel.Information, "AgentRun {Namespace}/{Run} already exists: this channel message was handled before")]
        public static partial void RunAlreadyCreated(ILogger logger, string @namespace, string run);

        [LoggerMessage(7010, LogLevel.Error, "AgentRun {Namespace}/{Run} for a channel message was rejected and will not be retried: {Reason}")]
        public static partial void RunRejected(ILogger logger, string @namespace, string run, string reason);

        [LoggerMessage(7014, LogLevel.Warning, "AgentRun {Namespace}/{Run} for a channel message was refused by admission; the chat is told why: {Reason}")]
        public static partial void RunRefused(ILogger logger, string @namespace, string run, string reason);

        [LoggerMessage(7011, LogLevel.Debug, "{Topic} #{Sequence} for {Run} ignored: {Reason}")]
        public static partial void OutcomeIgnored(ILogger logger, string topic, ulong sequence, string run, string reason);

        [LoggerMessage(7012, LogLevel.Information, "AgentRun {Run}: {Topic} not answered, the reply was already sent for {RepliedFor}")]
        public static partial void AlreadyReplied(ILogger logger, string run, string topic, string repliedFor);

        [LoggerMessage(7013, LogLevel.Information, "Channel reply {MessageId} for {Instance} published on {Channel} (duplicate: {Duplicate})")]
        public static partial void ReplyPublished(ILogger logger, string messageId, string instance, string channel, bool duplicate);

        [LoggerMessage(7030, LogLevel.Warning, "Agent message #{Sequence} from AgentRun {Run} not delivered: {Reason}")]
        public static partial void AgentMessageRefused(ILogger logger, ulong sequence, string run, string reason);

        [LoggerMessage(7031, LogLevel.Information, "Agent message from AgentRun {Run} forwarded to {Instance} on {Channel} chat {ChatId} (duplicate: {Duplicate})")]
        public static partial void AgentMessageForwarded(ILogger logger, string run, string instance, string channel, string chatId, bool duplicate);
    }
}
