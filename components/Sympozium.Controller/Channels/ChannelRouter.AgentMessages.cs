using System.Text.Json;
using Sympozium.Api.Messages;
using Sympozium.Api.WellKnown;
using Sympozium.EventBus;

namespace Sympozium.Controller.Channels;

public sealed partial class ChannelRouter
{
    /// <summary>
    /// An agent's <c>send_channel_message</c>, published by its run's ipc-bridge on the run's own
    /// subject, forwarded to the channel pod of the run's instance if the run may reach that chat
    /// (<see cref="ChannelAccess.CheckAgentMessage"/>). Agent pods cannot publish to a channel
    /// pod themselves: their credentials allow only their run's subjects.
    /// </summary>
    private async ValueTask HandleAgentMessageAsync(ReceivedEvent received, CancellationToken cancellationToken)
    {
        if (!NatsSubjects.TryParse(received.Subject, out var scope) || !scope.IsRun)
        {
            Log.AgentMessageRefused(_logger, received.StreamSequence, "?", $"{received.Subject} is not a run's subject");
            return;
        }

        var run = await FindRunAsync(received, scope, cancellationToken).ConfigureAwait(false);
        if (run is null)
        {
            return;
        }

        if (!TryRead(received.Envelope.Data, MessageJsonContext.Default.OutboundMessage, out var message, out var problem) ||
            string.IsNullOrEmpty(message.Channel) || string.IsNullOrEmpty(message.ChatId) || string.IsNullOrWhiteSpace(message.Text))
        {
            Log.AgentMessageRefused(_logger, received.StreamSequence, run.Key, problem is { Length: > 0 } ? problem : "channel, chatId and text are required");
            return;
        }

        var instance = await _clients.Instances.GetAsync(scope.Namespace, run.Spec.InstanceRef, cancellationToken).ConfigureAwait(false);
        if (instance is null)
        {
            Log.AgentMessageRefused(_logger, received.StreamSequence, run.Key, $"its instance {scope.Namespace}/{run.Spec.InstanceRef} does not exist");
            return;
        }

        if (ChannelAccess.CheckAgentMessage(instance, run, message.Channel, message.ChatId) is { } refused)
        {
            Log.AgentMessageRefused(_logger, received.StreamSequence, run.Key, refused);
            return;
        }

        var data = JsonSerializer.SerializeToElement(message, MessageJsonContext.Default.OutboundMessage);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [NatsSubjects.Metadata.InstanceName] = run.Spec.InstanceRef,
            [NatsSubjects.Metadata.Channel] = message.Channel,
            [NatsSubjects.Metadata.Namespace] = scope.Namespace,
            [NatsSubjects.Metadata.AgentRunId] = run.Metadata.Name ?? "",
        };
        var envelope = EventEnvelope.Create(NatsSubjects.ChannelMessageSend, metadata, data, _time) with
        {
            Subject = NatsSubjects.ToChannel(scope.Namespace, run.Spec.InstanceRef, message.Channel, NatsSubjects.ChannelMessageSend),
        };

        // The bridge's own id (per IPC file) under the run's uid; redeliveries are stored once.
        var messageId = $"agent-message/{scope.Name}/{received.MessageId ?? received.StreamSequence.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        var result = await _bus.PublishAsync(envelope, messageId, cancellationToken).ConfigureAwait(false);
        Log.AgentMessageForwarded(_logger, run.Key, scope.Namespace + "/" + run.Spec.InstanceRef, message.Channel, message.ChatId, result.Duplicate);
    }
}
