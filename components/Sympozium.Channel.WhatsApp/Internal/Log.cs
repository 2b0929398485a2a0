using Microsoft.Extensions.Logging;

namespace Sympozium.Channel.WhatsApp.Internal;

/// <summary>Every log message of the WhatsApp channel, with its event id (84xx), in one place.</summary>
internal static partial class Log
{
    [LoggerMessage(8401, LogLevel.Information, "WhatsApp Cloud API {ApiUrl}, phone number id {PhoneNumberId}")]
    public static partial void Starting(ILogger logger, string apiUrl, string phoneNumberId);

    [LoggerMessage(8402, LogLevel.Information, "Webhook listening on {Url}")]
    public static partial void WebhookListening(ILogger logger, string url);

    [LoggerMessage(8403, LogLevel.Warning, "Webhook request from {Remote} rejected: {Reason}")]
    public static partial void WebhookRejected(ILogger logger, string remote, string reason);

    [LoggerMessage(8404, LogLevel.Information, "Webhook verified by Meta")]
    public static partial void WebhookVerified(ILogger logger);

    [LoggerMessage(8405, LogLevel.Information, "Ignored a message for phone number id {PhoneNumberId}: not this pod's")]
    public static partial void OtherPhoneNumber(ILogger logger, string phoneNumberId);
}
