using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sympozium.Channel.WhatsApp.Internal;
using Sympozium.Api.Messages;
using Sympozium.Channels;

namespace Sympozium.Channel.WhatsApp;

/// <summary>
/// WhatsApp for a channel pod, through Meta's <b>Cloud API</b>: a signed webhook in (text
/// messages to this business number), Graph <c>/messages</c> out.
/// </summary>
/// <remarks>
/// Upstream linked a personal account as a WhatsApp Web multi-device client (whatsmeow, QR
/// pairing, a session store on a PVC). That protocol is undocumented, reverse-engineered and
/// end-to-end encrypted with the Signal protocol; reimplementing it here could not be done
/// safely (key handling, account bans, no conformance tests), so this pod speaks the documented
/// Cloud API of a WhatsApp Business number instead. Consequences: chat ids are the sender's
/// <c>wa_id</c> (digits, no <c>@s.whatsapp.net</c>), replies are possible only within Meta's
/// 24-hour customer-service window, and there is no QR step and no PVC.
/// </remarks>
internal sealed class WhatsAppPlatform : IChannelPlatform, IDisposable
{
    public const string ChannelType = "whatsapp";

    /// <summary>The Cloud API's limit on a text body (characters).</summary>
    public const int TextLimit = 4096;

    private readonly WhatsAppOptions _options;
    private readonly ChannelOptions _channel;
    private readonly WhatsAppCloudApi _api;
    private readonly ILogger _logger;

    public WhatsAppPlatform(WhatsAppOptions options, ChannelOptions channel, ILoggerFactory loggerFactory)
    {
        _options = options;
        _channel = channel;
        _logger = loggerFactory.CreateLogger("Sympozium.Channel.WhatsApp");
        _api = new WhatsAppCloudApi(options, _logger);
    }

    public int MaxTextLength => TextLimit;

    public Task ReceiveAsync(InboundPublisher inbound, ChannelHealth health, CancellationToken cancellationToken)
    {
        Log.Starting(_logger, _options.ApiUrl, _options.PhoneNumberId);
        return new WhatsAppWebhook(_options, this, _logger).RunAsync(_channel.BindAddress, inbound, health, cancellationToken);
    }

    public Task SendAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        var to = (message.ChatId ?? "").TrimStart('+');
        if (to.Length is 0 or > 20 || !to.All(char.IsAsciiDigit))
        {
            throw new ChannelSendException($"chat id '{message.ChatId}' is not a WhatsApp number (wa_id digits)", isPermanent: true);
        }

        var request = new SendTextRequest
        {
            To = to,
            Text = new OutgoingText(message.Text),
            Context = string.IsNullOrEmpty(message.ReplyTo) ? null : new ReplyContext(message.ReplyTo),
        };
        return _api.SendTextAsync(request, cancellationToken);
    }

    public void Dispose() => _api.Dispose();

    /// <summary>
    /// The text messages of a webhook body addressed to this pod's phone number, as inbound
    /// messages. Statuses, reactions, media and other numbers' messages are skipped.
    /// </summary>
    internal IEnumerable<InboundMessage> Map(WebhookBody? body)
    {
        foreach (var change in body?.Entry?.SelectMany(e => e.Changes ?? []) ?? [])
        {
            if (change.Field is not (null or "messages") || change.Value is not { Messages: { } messages } value)
            {
                continue;
            }

            if (value.Metadata?.PhoneNumberId is { } phone && phone != _options.PhoneNumberId)
            {
                // One app may serve several numbers; each has its own pod.
                Log.OtherPhoneNumber(_logger, phone);
                continue;
            }

            foreach (var message in messages)
            {
                if (message is not { Type: "text", From: { Length: > 0 } from, Id: { Length: > 0 } id, Text.Body: { } text } || string.IsNullOrWhiteSpace(text))
                {
                    continue;
                }

                var metadata = new Dictionary<string, JsonElement>
                {
                    ["messageId"] = JsonSerializer.SerializeToElement(id, WhatsAppJsonContext.Default.String),
                };
                if (message.Timestamp is { } timestamp)
                {
                    metadata["timestamp"] = JsonSerializer.SerializeToElement(timestamp, WhatsAppJsonContext.Default.String);
                }

                yield return new InboundMessage
                {
                    SenderId = from,
                    SenderName = value.Contacts?.FirstOrDefault(c => c.WaId == from)?.Profile?.Name ?? value.Contacts?.FirstOrDefault()?.Profile?.Name,
                    ChatId = from,
                    Text = text,
                    MessageId = id,
                    Metadata = metadata,
                };
            }
        }
    }
}
