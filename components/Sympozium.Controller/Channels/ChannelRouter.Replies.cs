using System.Text.Json.Nodes;
using Sympozium.Api.Kinds;
using Sympozium.Api.Messages;
using Sympozium.Api.WellKnown;
using Sympozium.EventBus;
using Sympozium.Kubernetes.Client;

namespace Sympozium.Controller.Channels;

public sealed partial class ChannelRouter
{
    /// <summary>All run lifecycle topics; only completed and failed are answered.</summary>
    private static readonly string OutcomesSubject = NatsSubjects.Prefix + "agent.run.*";

    private ValueTask HandleOutcomeAsync(ReceivedEvent received, CancellationToken cancellationToken)
    {
        var topic = received.Subject.StartsWith(NatsSubjects.Prefix, StringComparison.Ordinal) ? received.Subject[NatsSubjects.Prefix.Length..] : received.Subject;

        // agent.run.requested and agent.run.started have nothing to answer.
        return topic is NatsSubjects.AgentRunCompleted or NatsSubjects.AgentRunFailed
            ? ReplyAsync(received, topic, cancellationToken)
            : ValueTask.CompletedTask;
    }

    /// <summary>agent.run.completed / agent.run.failed → one channel.message.send for a channel run.</summary>
    private async ValueTask ReplyAsync(ReceivedEvent received, string topic, CancellationToken cancellationToken)
    {
        var metadata = received.Envelope.Metadata;
        var runName = metadata.GetValueOrDefault(NatsSubjects.Metadata.AgentRunId);
        if (string.IsNullOrEmpty(runName))
        {
            Log.OutcomeIgnored(_logger, topic, received.StreamSequence, "?", "no agentRunID in the metadata");
            return;
        }

        var run = await FindRunAsync(metadata.GetValueOrDefault(NatsSubjects.Metadata.Namespace), runName, topic, received.StreamSequence, cancellationToken).ConfigureAwait(false);
        if (run is null)
        {
            return;
        }

        var annotations = run.Metadata.Annotations ?? [];
        if (!annotations.TryGetValue(Annotations.ReplyChannel, out var channel) || string.IsNullOrEmpty(channel))
        {
            Log.OutcomeIgnored(_logger, topic, received.StreamSequence, run.Key, "not a channel run");
            return;
        }

        if (annotations.TryGetValue(RepliedAnnotation, out var repliedFor))
        {
            Log.AlreadyReplied(_logger, run.Key, topic, repliedFor);
            return;
        }

        var data = received.Envelope.Data;
        var text = topic == NatsSubjects.AgentRunFailed
            ? ReplyText.ForFailure(FirstSet(TryRead(data, MessageJsonContext.Default.AgentRunFailure, out var failure, out _) ? failure.Error : null, run.Status?.Error))
            : ReplyText.ForCompleted(TryRead(data, MessageJsonContext.Default.AgentResult, out var result, out _) ? result : null);

        var ns = run.Metadata.Namespace ?? "";
        var instance = FirstSet(run.Spec.InstanceRef, metadata.GetValueOrDefault(NatsSubjects.Metadata.InstanceName)) ?? "";
        var messageId = "reply/" + (run.Metadata.Uid is { Length: > 0 } uid ? uid : run.Key);
        await PublishReplyAsync(ns, instance, channel, annotations.GetValueOrDefault(Annotations.ReplyChatId) ?? "", annotations.GetValueOrDefault(Annotations.ReplyThreadId), text, messageId, cancellationToken).ConfigureAwait(false);
        await MarkRepliedAsync(run, topic, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The run by namespace and name; without a namespace (an older publisher), the only channel
    /// run with that name cluster-wide.
    /// </summary>
    private async Task<AgentRun?> FindRunAsync(string? ns, string name, string topic, ulong sequence, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(ns))
        {
            var run = await _clients.Runs.GetAsync(ns, name, cancellationToken).ConfigureAwait(false);
            if (run is null)
            {
                Log.OutcomeIgnored(_logger, topic, sequence, ns + "/" + name, "no such AgentRun");
            }

            return run;
        }

        var matches = (await _clients.Runs.ListAsync(labelSelector: $"{Labels.Source}={Labels.Sources.Channel}", cancellationToken: cancellationToken).ConfigureAwait(false)).Items
            .Where(r => r.Metadata.Name == name)
            .ToList();
        if (matches.Count == 1)
        {
            return matches[0];
        }

        Log.OutcomeIgnored(_logger, topic, sequence, "*/" + name, matches.Count == 0 ? "no channel AgentRun with that name" : "the name is ambiguous across namespaces and the event has no namespace");
        return null;
    }

    private async Task MarkRepliedAsync(AgentRun run, string topic, CancellationToken cancellationToken)
    {
        var patch = new JsonObject
        {
            ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [RepliedAnnotation] = topic } },
        };
        try
        {
            await _clients.Runs.MergePatchAsync(run.Metadata.Namespace, run.Metadata.Name!, patch.ToJsonString(), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (e.IsNotFound)
        {
            // Deleted meanwhile: nothing can be answered twice any more.
        }
    }
}
