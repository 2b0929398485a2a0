using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sympozium.Api.Messages;
using Sympozium.Api.WellKnown;
using Sympozium.Channels.Internal;
using Sympozium.EventBus;

namespace Sympozium.Channels;

/// <summary>
/// Delivers <c>channel.message.send</c> events to the platform from a durable consumer of this
/// pod's own, handling only events addressed to this pod's instance, namespace and channel type
/// (upstream delivered every instance's replies from every pod of the type: cross-tenant
/// leakage). Others are acked and skipped. Long texts are split; the parts sent are recorded
/// (<see cref="OutboundProgress"/>), so a redelivery, in this process or after a restart, resumes
/// at the first part not sent. A transient failure goes back to the bus, which delivers it again
/// on <see cref="OutboundDeliveryOptions.RetrySchedule"/>; the last delivery's failure, and any
/// permanent one, is logged with the chat and acked (docs/design/channels.md#outbound-delivery).
/// </summary>
/// <param name="platform">Sends one message.</param>
/// <param name="options">This pod's instance, namespace, channel and delivery settings.</param>
/// <param name="logger">Where deliveries are logged.</param>
/// <param name="progress">Where sent parts are recorded (default: this process only).</param>
public sealed class OutboundConsumer(IChannelPlatform platform, ChannelOptions options, ILogger logger, OutboundProgress? progress = null)
{
    private readonly OutboundProgress _progress = progress ?? new OutboundProgress(null, logger);

    /// <summary>
    /// The durable consumer name: <c>channel-&lt;type&gt;_&lt;namespace&gt;_&lt;instance&gt;</c>
    /// (<see cref="NatsConsumers.ChannelOutbound"/>, the name this pod's credentials allow).
    /// </summary>
    public static string ConsumerName(ChannelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return NatsConsumers.ChannelOutbound(options.Namespace, options.InstanceName, options.Channel);
    }

    /// <summary>
    /// The subscription: durable, starting with events published after it is first created (a new
    /// pod must not replay a day of other replies), then resuming where it acked.
    /// </summary>
    public static SubscriptionOptions Subscription(ChannelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var delivery = options.Outbound;
        return SubscriptionOptions.Durable(ConsumerName(options), NatsSubjects.ToChannel(options.Namespace, options.InstanceName, options.Channel, NatsSubjects.ChannelMessageSend)) with
        {
            DeliverFrom = DeliverFrom.New,
            AckWait = delivery.AckWait,

            // A send may wait out a rate limit (HttpRetryOptions.MaxDelay) a few times: the bus
            // hears that it is still at work instead of delivering it a second time meanwhile.
            ProgressInterval = delivery.ProgressInterval,
            MaxDeliver = delivery.MaxDeliver,
            RedeliveryDelays = delivery.RetrySchedule,
            MaxInFlight = 4,
        };
    }

    /// <summary>Whether an event is this pod's to deliver: instance, namespace and channel all match.</summary>
    public static bool IsAddressedTo(EventEnvelope envelope, OutboundMessage? message, ChannelOptions options)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(options);
        return message is not null &&
            envelope.Metadata.TryGetValue(NatsSubjects.Metadata.InstanceName, out var instance) && instance == options.InstanceName &&
            envelope.Metadata.TryGetValue(NatsSubjects.Metadata.Namespace, out var ns) && ns == options.Namespace &&
            message.Channel == options.Channel;
    }

    /// <summary>The subscription handler.</summary>
    public async ValueTask HandleAsync(ReceivedEvent received, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(received);
        var envelope = received.Envelope;
        var message = Decode(envelope.Data);
        if (!IsAddressedTo(envelope, message, options))
        {
            Log.OutboundSkipped(logger, received.StreamSequence,
                envelope.Metadata.GetValueOrDefault(NatsSubjects.Metadata.Namespace) ?? "?",
                envelope.Metadata.GetValueOrDefault(NatsSubjects.Metadata.InstanceName) ?? "?",
                message?.Channel ?? "?");
            return;
        }

        var chatId = message!.ChatId ?? "";
        if (chatId.Length == 0 || string.IsNullOrWhiteSpace(message.Text))
        {
            Log.OutboundInvalid(logger, received.StreamSequence, chatId.Length == 0 ? "no chatId" : "empty text");
            return;
        }

        var parts = TextSplitter.Split(message.Text, platform.MaxTextLength);
        var key = OutboundProgress.Key(options, received);
        var fingerprint = OutboundProgress.Fingerprint(chatId, message.Text);
        var sent = await _progress.PartsSentAsync(key, fingerprint, cancellationToken).ConfigureAwait(false);
        if (sent >= parts.Count)
        {
            Log.OutboundAlreadySent(logger, received.StreamSequence, chatId, parts.Count);
            return;
        }

        for (var i = sent; i < parts.Count; i++)
        {
            try
            {
                await platform.SendAsync(message with { Text = parts[i] }, cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelSendException e) when (e.IsPermanent)
            {
                Log.OutboundFailedPermanently(logger, received.StreamSequence, chatId, i + 1, parts.Count, e.Message);
                _progress.Forget(key);
                return;
            }
            catch (ChannelSendException e) when (received.DeliveryCount >= (ulong)options.Outbound.MaxDeliver)
            {
                Log.OutboundGaveUp(logger, received.StreamSequence, chatId, i + 1, parts.Count, received.DeliveryCount, options.Outbound.RetriedFor, e.Message);
                _progress.Forget(key);
                return;
            }
            catch (ChannelSendException e)
            {
                Log.OutboundFailed(logger, received.StreamSequence, chatId, i + 1, parts.Count, received.DeliveryCount, options.Outbound.MaxDeliver, e.Message);
                throw;
            }

            await _progress.RecordAsync(key, fingerprint, i + 1, parts.Count, cancellationToken).ConfigureAwait(false);
        }

        // The bucket keeps the record until it expires: a redelivery (an ack lost) sends nothing.
        _progress.Forget(key);
        Log.OutboundSent(logger, received.StreamSequence, chatId, parts.Count);
    }

    private static OutboundMessage? Decode(JsonElement data)
    {
        if (data.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        try
        {
            // A field left out or set to null reads as null despite the non-nullable type: normalise.
            return data.Deserialize(MessageJsonContext.Default.OutboundMessage) is { } m
                ? m with { Channel = m.Channel ?? "", ChatId = m.ChatId ?? "", Text = m.Text ?? "" }
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
