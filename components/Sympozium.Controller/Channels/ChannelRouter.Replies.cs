using System.Text.Json.Nodes;
using Sympozium.Api.Kinds;
using Sympozium.Api.Messages;
using Sympozium.Api.WellKnown;
using Sympozium.EventBus;
using Sympozium.Kubernetes.Client;

namespace Sympozium.Controller.Channels;

public sealed partial class ChannelRouter
{
    /// <summary>All run lifecycle topics of every run; only completed and failed are answered.</summary>
    private static readonly string OutcomesSubject = NatsSubjects.FromAnyRun("agent.run.*");

    private ValueTask HandleOutcomeAsync(ReceivedEvent received, CancellationToken cancellationToken)
    {
        if (!NatsSubjects.TryParse(received.Subject, out var scope) || !scope.IsRun)
        {
            Log.OutcomeIgnored(_logger, received.Subject, received.StreamSequence, "?", "not a run's subject");
            return ValueTask.CompletedTask;
        }

        // agent.run.requested and agent.run.started have nothing to answer.
        return scope.Topic is NatsSubjects.AgentRunCompleted or NatsSubjects.AgentRunFailed
            ? ReplyAsync(received, scope, cancellationToken)
            : ValueTask.CompletedTask;
    }

    /// <summary>agent.run.completed / agent.run.failed → one channel.message.send for a channel run.</summary>
    private async ValueTask ReplyAsync(ReceivedEvent received, ScopedSubject scope, CancellationToken cancellationToken)
    {
        var topic = scope.Topic;
        var run = await FindRunAsync(received, scope, cancellationToken).ConfigureAwait(false);
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
        var instance = run.Spec.InstanceRef;
        var messageId = "reply/" + (run.Metadata.Uid is { Length: > 0 } uid ? uid : run.Key);
        await PublishReplyAsync(ns, instance, channel, annotations.GetValueOrDefault(Annotations.ReplyChatId) ?? "", annotations.GetValueOrDefault(Annotations.ReplyThreadId), text, messageId, cancellationToken).ConfigureAwait(false);
        await MarkRepliedAsync(run, topic, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The run an event on a run's subject is about: named by the metadata, in the subject's
    /// namespace, and only if its uid is the subject's (the publisher's credentials hold it to
    /// that uid; the metadata is only a claim). Null (logged) otherwise.
    /// </summary>
    private async Task<AgentRun?> FindRunAsync(ReceivedEvent received, ScopedSubject scope, CancellationToken cancellationToken)
    {
        var name = received.Envelope.Metadata.GetValueOrDefault(NatsSubjects.Metadata.AgentRunId);
        if (string.IsNullOrEmpty(name))
        {
            Log.OutcomeIgnored(_logger, scope.Topic, received.StreamSequence, scope.Namespace + "/?", "no agentRunID in the metadata");
            return null;
        }

        var run = await _clients.Runs.GetAsync(scope.Namespace, name, cancellationToken).ConfigureAwait(false);
        if (run is null)
        {
            Log.OutcomeIgnored(_logger, scope.Topic, received.StreamSequence, scope.Namespace + "/" + name, "no such AgentRun");
            return null;
        }

        if (run.Metadata.Uid != scope.Name)
        {
            Log.OutcomeIgnored(_logger, scope.Topic, received.StreamSequence, run.Key, $"published for run uid {scope.Name}, but the run's uid is {run.Metadata.Uid}");
            return null;
        }

        return run;
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
