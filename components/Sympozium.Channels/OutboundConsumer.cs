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
/// leakage). Others are acked and skipped. Long texts are split; a part already sent is not sent
/// again when the event is redelivered to this process. Acked after delivery or a permanent
/// failure (logged); a transient failure is redelivered by the bus.
/// </summary>
public sealed class OutboundConsumer(IChannelPlatform platform, ChannelOptions options, ILogger logger)
{
    private readonly Dictionary<ulong, int> _partsSent = [];

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
    public static SubscriptionOptions Subscription(ChannelOptions options) =>
        SubscriptionOptions.Durable(ConsumerName(options), NatsSubjects.ToChannel(options.Namespace, options.InstanceName, options.Channel, NatsSubjects.ChannelMessageSend)) with
        {
            DeliverFrom = DeliverFrom.New,

            // A send may wait out a rate limit (HttpRetryOptions.MaxDelay) a few times.
            AckWait = TimeSpan.FromMinutes(5),
            MaxInFlight = 4,
            RedeliveryDelays = [TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60)],
        };

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
        int sent;
        lock (_partsSent)
        {
            sent = _partsSent.GetValueOrDefault(received.StreamSequence);
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
                Forget(received.StreamSequence);
                return;
            }
            catch (ChannelSendException e)
            {
                Log.OutboundFailed(logger, received.StreamSequence, chatId, i + 1, parts.Count, received.DeliveryCount, e.Message);
                throw;
            }

            lock (_partsSent)
            {
                if (_partsSent.Count > 1000)
                {
                    _partsSent.Clear(); // Only a guard; entries are removed when their event is done.
                }

                _partsSent[received.StreamSequence] = i + 1;
            }
        }

        Forget(received.StreamSequence);
        Log.OutboundSent(logger, received.StreamSequence, chatId, parts.Count);
    }

    private void Forget(ulong sequence)
    {
        lock (_partsSent)
        {
            _partsSent.Remove(sequence);
        }
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
