using Microsoft.Extensions.Logging;

namespace Sympozium.Channel.Telegram.Internal;

/// <summary>Every log message of the Telegram channel, with its event id (81xx), in one place.</summary>
internal static partial class Log
{
    [LoggerMessage(8101, LogLevel.Information, "Polling Telegram at {ApiUrl} (window {Window}), allowed chats: {AllowedChats}")]
    public static partial void Polling(ILogger logger, string apiUrl, TimeSpan window, string allowedChats);

    [LoggerMessage(8102, LogLevel.Warning, "getUpdates failed: {Reason}; polling again in {Delay}")]
    public static partial void PollFailed(ILogger logger, string reason, TimeSpan delay);

    [LoggerMessage(8103, LogLevel.Information, "Ignored update {UpdateId} from chat {ChatId}: not in TELEGRAM_ALLOWED_CHAT_IDS")]
    public static partial void ChatNotAllowed(ILogger logger, string chatId, long updateId);
}
