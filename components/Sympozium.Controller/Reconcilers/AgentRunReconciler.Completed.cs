using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;
using Sympozium.Controller.Builders;
using Sympozium.Kubernetes.Client;
using Sympozium.Kubernetes.Reconcile;

namespace Sympozium.Controller.Reconcilers;

// Finished and deleted runs: revoke RBAC, publish agent.run.failed once, release the finalizer,
// prune the instance's history.
public sealed partial class AgentRunReconciler
{
    /// <summary>Every reconcile of a finished run: revoke RBAC, publish a failure, release the finalizer, prune history.</summary>
    private async Task<ReconcileResult> CompletedAsync(AgentRun run, CancellationToken cancellationToken)
    {
        // Revoked unless already recorded as revoked: a controller that crashed between granting
        // and writing RbacGranted=True left grants the status does not mention.
        if (!RbacRevoked(run))
        {
            await RevokeRbacAsync(run, cancellationToken).ConfigureAwait(false);
            SetCondition(run.Status!, Conditions.RbacGranted, "False", "Revoked", "the run has finished; its ServiceAccount and grants were deleted (if it had any)");
            await WriteStatusAsync(run, cancellationToken).ConfigureAwait(false);
        }

        if (run.Status!.PostRunJobName is { Length: > 0 })
        {
            await _clients.Claims.DeleteAsync(run.Metadata.Namespace, PostRunJobBuilder.WorkspaceClaimName(run), cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        var retryPublish = !await PublishRecordedCompletionAsync(run, cancellationToken).ConfigureAwait(false);
        if (run.Status!.Phase == AgentRunPhases.Failed && _events is not null && !HasCondition(run, Conditions.FailureEventPublished))
        {
            try
            {
                if (!_events.IsAvailable)
                {
                    throw new InvalidOperationException("the event bus is not connected");
                }

                await _events.PublishFailedAsync(run, run.Status.Error ?? "failed", cancellationToken).ConfigureAwait(false);
                SetCondition(run.Status, Conditions.FailureEventPublished, "True", "Published", $"{NatsSubjects.AgentRunFailed} was published");
                await WriteStatusAsync(run, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.PublishFailed(_logger, Describe(run), e.Message);
                retryPublish = true;
            }
        }

        if (Finalizer.Has(run, Finalizers.AgentRun))
        {
            _read.Runs.Wrote(await Finalizer.RemoveAsync(_clients.Runs, run, Finalizers.AgentRun, cancellationToken).ConfigureAwait(false));
        }

        await PruneAsync(run, cancellationToken).ConfigureAwait(false);
        return retryPublish ? ReconcileResult.RequeueAfter(Poll * 2) : ReconcileResult.Done;
    }

    /// <summary>
    /// A succeeded channel run's answer must not depend on its ipc-bridge reaching NATS before the
    /// pod is gone: the controller publishes <c>agent.run.completed</c> from the recorded result as
    /// well. Whichever reaches the router first is answered; the router marks the run replied and
    /// answers nothing twice (docs/design/channels.md#replies). Gated runs are published by the gate.
    /// False when the bus was unavailable (retried on the next reconcile).
    /// </summary>
    private async Task<bool> PublishRecordedCompletionAsync(AgentRun run, CancellationToken cancellationToken)
    {
        var annotations = run.Metadata.Annotations ?? [];
        if (run.Status!.Phase != AgentRunPhases.Succeeded || _events is null || IsGated(run) ||
            !annotations.ContainsKey(Annotations.ReplyChannel) || annotations.ContainsKey(Channels.ChannelRouter.RepliedAnnotation) ||
            HasCondition(run, Conditions.CompletionEventPublished))
        {
            return true;
        }

        try
        {
            if (!_events.IsAvailable)
            {
                throw new InvalidOperationException("the event bus is not connected");
            }

            await _events.PublishCompletedAsync(run, succeeded: true, run.Status.Result, error: null, cancellationToken).ConfigureAwait(false);
            SetCondition(run.Status, Conditions.CompletionEventPublished, "True", "Published", $"{NatsSubjects.AgentRunCompleted} was published from the recorded result");
            await WriteStatusAsync(run, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.PublishFailed(_logger, Describe(run), e.Message);
            return false;
        }
    }

    /// <summary>Deleting a run: revoke RBAC, delete its Job (pods follow) or its server objects, release the finalizer.</summary>
    private async Task<ReconcileResult> DeleteAsync(AgentRun run, CancellationToken cancellationToken)
    {
        if (!Finalizer.Has(run, Finalizers.AgentRun))
        {
            return ReconcileResult.Done;
        }

        await RevokeRbacAsync(run, cancellationToken).ConfigureAwait(false);
        var ns = run.Metadata.Namespace!;
        await _clients.Jobs.DeleteAsync(ns, run.Status?.JobName is { Length: > 0 } job ? job : run.Metadata.Name!, "Background", cancellationToken).ConfigureAwait(false);
        if (run.Spec.Mode == "server")
        {
            await DeleteServerAsync(run, cancellationToken).ConfigureAwait(false);
        }

        await Finalizer.RemoveAsync(_clients.Runs, run, Finalizers.AgentRun, cancellationToken).ConfigureAwait(false);
        return ReconcileResult.Done;
    }

    /// <summary>Keeps the newest <see cref="ControllerOptions.MaxRunHistory"/> finished runs of the instance.</summary>
    private async Task PruneAsync(AgentRun run, CancellationToken cancellationToken)
    {
        var ns = run.Metadata.Namespace!;
        if (run.Metadata.Labels?.GetValueOrDefault(Labels.Instance) is not { Length: > 0 } instance)
        {
            return;
        }

        var finished = (await _read.Runs.ListAsync(ns, new Dictionary<string, string> { [Labels.Instance] = instance }, cancellationToken).ConfigureAwait(false))
            .Where(r => IsTerminal(r.Status?.Phase) && r.Metadata.DeletionTimestamp is null)
            .OrderBy(r => r.Metadata.CreationTimestamp ?? DateTimeOffset.MinValue)
            .ThenBy(r => r.Metadata.Name, StringComparer.Ordinal)
            .ToList();
        foreach (var old in finished.Take(Math.Max(0, finished.Count - _options.MaxRunHistory)))
        {
            if (await _clients.Runs.DeleteAsync(ns, old.Metadata.Name!, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                Log.Pruned(_logger, $"{ns}/{old.Metadata.Name}", instance, _options.MaxRunHistory);
            }
        }
    }
}
