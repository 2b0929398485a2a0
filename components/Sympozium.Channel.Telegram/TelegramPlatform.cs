using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sympozium.Channel.Telegram.Internal;
using Sympozium.Api.Messages;
using Sympozium.Channels;

namespace Sympozium.Channel.Telegram;

/// <summary>
/// Telegram for a channel pod: long polling in (only text messages, only allowed chats), sendMessage out.
/// </summary>
internal sealed class TelegramPlatform : IChannelPlatform, IDisposable
{
    public const string ChannelType = "telegram";

    /// <summary>sendMessage's limit on text length.</summary>
    public const int TextLimit = 4096;

    private readonly TelegramOptions _options;
    private readonly TelegramBotApi _api;
    private readonly ILogger _logger;

    public TelegramPlatform(TelegramOptions options, ILoggerFactory loggerFactory)
    {
        _options = options;
        _logger = loggerFactory.CreateLogger("Sympozium.Channel.Telegram");
        _api = new TelegramBotApi(options, _logger);
    }

    public int MaxTextLength => TextLimit;

    public async Task ReceiveAsync(InboundPublisher inbound, ChannelHealth health, CancellationToken cancellationToken)
    {
        Log.Polling(_logger, _options.ApiUrl, _options.PollTimeout, _options.AllowedChatIds.Count == 0 ? "all" : string.Join(',', _options.AllowedChatIds));
        long offset = 0;
        var failures = 0;
        var reachable = false;
        while (!cancellationToken.IsCancellationRequested)
        {
            IReadOnlyList<TelegramUpdate> updates;
            try
            {
                // A short poll first (and after a failure): a quiet bot is reported connected at
                // once instead of after a whole long-poll window.
                updates = await _api.GetUpdatesAsync(offset, longPoll: reachable, cancellationToken).ConfigureAwait(false);
                failures = 0;
                reachable = true;
                health.PlatformUp();
            }
            catch (Exception e) when (e is TelegramApiException or HttpRequestException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                failures++;
                reachable = false;
                var delay = PollRetryDelay(e, failures);
                health.PlatformDown(e.Message);
                Log.PollFailed(_logger, e.Message, delay);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                continue;
            }

            foreach (var update in updates)
            {
                if (Map(update) is { } message)
                {
                    await inbound.PublishAsync(message, cancellationToken).ConfigureAwait(false);
                }

                // Advanced only after the publish was acknowledged: a crash before re-polls the
                // update, and the bus drops the duplicate by its message id.
                offset = Math.Max(offset, update.UpdateId + 1);
            }
        }
    }

    public Task SendAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        var chatId = message.ChatId ?? "";
        if (!_options.Allows(chatId))
        {
            throw new ChannelSendException($"chat {chatId} is not in {TelegramOptions.AllowedChatsVariable}", isPermanent: true);
        }

        var request = new SendMessageRequest
        {
            ChatId = chatId,
            Text = message.Text,
            ParseMode = message.Format?.ToLowerInvariant() switch
            {
                "html" => "HTML",
                "plain" or "text" => null,
                _ => "Markdown",
            },
            MessageThreadId = ParseId(message.ThreadId),
            ReplyToMessageId = ParseId(message.ReplyTo),
        };
        return _api.SendMessageAsync(request, cancellationToken);
    }

    public void Dispose() => _api.Dispose();

    /// <summary>An update as an inbound message, or null when it is not one to publish.</summary>
    internal InboundMessage? Map(TelegramUpdate update)
    {
        if (update.Message is not { Chat: { } chat, From: { } from, Text: { Length: > 0 } text } message)
        {
            return null; // Only text messages (edits, joins, stickers, … are not tasks).
        }

        var chatId = chat.Id.ToString(CultureInfo.InvariantCulture);
        if (!_options.Allows(chatId))
        {
            Log.ChatNotAllowed(_logger, chatId, update.UpdateId);
            return null;
        }

        var metadata = new Dictionary<string, JsonElement>
        {
            ["messageId"] = JsonSerializer.SerializeToElement(message.MessageId, TelegramMetadataContext.Default.Int64),
        };
        if (from.Username is { } username)
        {
            metadata["username"] = JsonSerializer.SerializeToElement(username, TelegramMetadataContext.Default.String);
        }

        if (chat.Type is { } type)
        {
            metadata["chatType"] = JsonSerializer.SerializeToElement(type, TelegramMetadataContext.Default.String);
        }

        return new InboundMessage
        {
            SenderId = from.Id.ToString(CultureInfo.InvariantCulture),
            SenderName = from.FirstName,
            ChatId = chatId,
            ThreadId = message.IsTopicMessage == true && message.MessageThreadId is { } thread ? thread.ToString(CultureInfo.InvariantCulture) : null,
            Text = text,
            MessageId = message.MessageId.ToString(CultureInfo.InvariantCulture),
            Metadata = metadata,
        };
    }

    private static TimeSpan PollRetryDelay(Exception e, int failures) => e switch
    {
        TelegramApiException { RetryAfter: { } wait } => wait,

        // A wrong token or a webhook set on the bot: retrying fast cannot help.
        TelegramApiException { Status: 401 or 403 or 404 } => TimeSpan.FromSeconds(30),

        // 409: another getUpdates is running (a second pod with the same token) or a webhook is set.
        _ => TimeSpan.FromSeconds(Math.Min(Math.Pow(2, failures - 1), 30)),
    };

    private static long? ParseId(string? id) =>
        long.TryParse(id, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;
}

[System.Text.Json.Serialization.JsonSerializable(typeof(long))]
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class TelegramMetadataContext : System.Text.Json.Serialization.JsonSerializerContext;
