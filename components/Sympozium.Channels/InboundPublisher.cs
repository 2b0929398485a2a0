using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sympozium.Api.Messages;
using Sympozium.Api.WellKnown;
using Sympozium.Channels.Internal;
using Sympozium.EventBus;

namespace Sympozium.Channels;

/// <summary>
/// Publishes what a user said on the platform as <c>channel.message.received</c>, stamped with
/// this pod's instance, namespace and channel, under a de-duplication id built from the
/// platform's own message id: a message polled twice or redelivered by the platform is stored
/// once by JetStream.
/// </summary>
public sealed class InboundPublisher(IEventPublisher bus, ChannelOptions options, ILogger logger)
{
    /// <summary>The bus message id: <c>&lt;channel&gt;/&lt;namespace&gt;/&lt;instance&gt;/&lt;chatId&gt;/&lt;messageId&gt;</c>.</summary>
    public static string MessageId(ChannelOptions options, string chatId, string platformMessageId)
    {
        ArgumentNullException.ThrowIfNull(options);
        return $"{options.Channel}/{options.Namespace}/{options.InstanceName}/{chatId}/{platformMessageId}";
    }

    /// <summary>
    /// Publishes, retrying while the bus is unavailable, until JetStream acknowledges (true) or
    /// rejects the message for good (false, logged). Returns only then, so a caller that advances
    /// a platform cursor afterwards loses nothing.
    /// </summary>
    public async Task<bool> PublishAsync(InboundMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        message = message with { Channel = options.Channel, InstanceName = options.InstanceName };
        var data = JsonSerializer.SerializeToElement(message, MessageJsonContext.Default.InboundMessage);
        var envelope = EventEnvelope.Create(NatsSubjects.ChannelMessageReceived, options.Metadata, data) with
        {
            // This pod's own scope: its credentials allow nothing else, and the router takes the
            // instance from the subject, not from what the payload claims.
            Subject = NatsSubjects.FromChannel(options.Namespace, options.InstanceName, options.Channel, NatsSubjects.ChannelMessageReceived),
        };
        string chatId = message.ChatId ?? "", platformMessageId = message.MessageId ?? "";
        var id = MessageId(options, chatId, platformMessageId);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var result = await bus.PublishAsync(envelope, id, cancellationToken).ConfigureAwait(false);
                Log.InboundPublished(logger, chatId, platformMessageId, result.Sequence, result.Duplicate);
                return true;
            }
            catch (EventBusPublishException e) when (!e.IsTransient)
            {
                Log.InboundRejected(logger, chatId, platformMessageId, e.Message);
                return false;
            }
            catch (EventBusPublishException e)
            {
                var delay = TimeSpan.FromMilliseconds(Math.Min(250 * Math.Pow(2, Math.Min(attempt - 1, 5)), 5000));
                Log.InboundRetry(logger, chatId, platformMessageId, attempt, e.Message, delay);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
