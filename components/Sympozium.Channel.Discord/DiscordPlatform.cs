using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sympozium.Channel.Discord.Internal;
using Sympozium.Api.Messages;
using Sympozium.Channels;

namespace Sympozium.Channel.Discord;

/// <summary>Discord for a channel pod: the Gateway in (user text messages in allowed channels), REST out.</summary>
internal sealed class DiscordPlatform : IChannelPlatform, IDisposable
{
    public const string ChannelType = "discord";

    /// <summary>Discord's limit on message content (characters).</summary>
    public const int TextLimit = 2000;

    private readonly DiscordOptions _options;
    private readonly DiscordRestApi _api;
    private readonly ILogger _logger;

    public DiscordPlatform(DiscordOptions options, ILoggerFactory loggerFactory)
    {
        _options = options;
        _logger = loggerFactory.CreateLogger("Sympozium.Channel.Discord");
        _api = new DiscordRestApi(options, _logger);
    }

    public int MaxTextLength => TextLimit;

    public Task ReceiveAsync(InboundPublisher inbound, ChannelHealth health, CancellationToken cancellationToken)
    {
        Log.Starting(_logger, _options.ApiUrl, _options.AllowedChannelIds.Count == 0 ? "all" : string.Join(',', _options.AllowedChannelIds));
        return new DiscordGateway(_options, _api, _logger).RunAsync(this, inbound, health, cancellationToken);
    }

    public Task SendAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        var chatId = message.ChatId ?? "";
        if (!DiscordOptions.IsSnowflake(chatId))
        {
            throw new ChannelSendException($"chat id '{chatId}' is not a Discord channel id", isPermanent: true);
        }

        if (!_options.Allows(chatId))
        {
            throw new ChannelSendException($"channel {chatId} is not in {DiscordOptions.AllowedChannelsVariable}", isPermanent: true);
        }

        var request = new CreateMessageRequest
        {
            Content = message.Text,
            MessageReference = message.ReplyTo is { } id && DiscordOptions.IsSnowflake(id) ? new MessageReference(id) : null,
        };
        return _api.CreateMessageAsync(chatId, request, cancellationToken);
    }

    public void Dispose() => _api.Dispose();

    /// <summary>
    /// A MESSAGE_CREATE as an inbound message, or null when it is not one to publish: messages by
    /// bots (this one included: upstream ignored only itself, so two bots could talk forever), by
    /// webhooks, without text, or in a channel not allowed.
    /// </summary>
    internal InboundMessage? Map(DiscordMessage message, string? selfId)
    {
        if (message.Author is not { } author || author.Bot == true || author.Id == selfId || message.WebhookId is not null ||
            string.IsNullOrWhiteSpace(message.Content) || message.ChannelId.Length == 0 || message.Id.Length == 0)
        {
            return null;
        }

        if (!_options.Allows(message.ChannelId))
        {
            Log.ChannelNotAllowed(_logger, message.ChannelId, message.Id);
            return null;
        }

        var metadata = new Dictionary<string, JsonElement>
        {
            ["messageId"] = JsonSerializer.SerializeToElement(message.Id, DiscordJsonContext.Default.String),
        };
        if (message.GuildId is { } guild)
        {
            metadata["guildId"] = JsonSerializer.SerializeToElement(guild, DiscordJsonContext.Default.String);
        }

        return new InboundMessage
        {
            SenderId = author.Id,
            SenderName = author.Username,
            ChatId = message.ChannelId,
            Text = message.Content,
            MessageId = message.Id,
            Metadata = metadata,
        };
    }
}
