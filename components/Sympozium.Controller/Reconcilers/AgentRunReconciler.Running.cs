using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Api.Validation;
using Sympozium.Api.WellKnown;
using Sympozium.Controller.Builders;
using Sympozium.Controller.Results;
using Sympozium.Controller.Runs;
using Sympozium.Kubernetes.Client;
using Sympozium.Kubernetes.Reconcile;

namespace Sympozium.Controller.Reconcilers;

public sealed partial class AgentRunReconciler
{
    /// <summary>Follows the Job: outcome when it ends or the agent container ends; the one timeout otherwise.</summary>
    private async Task<ReconcileResult> RunningAsync(AgentRun run, CancellationToken cancellationToken)
    {
        var ns = run.Metadata.Namespace!;
        var status = run.Status!;
        var jobName = status.JobName is { Length: > 0 } j ? j : run.Metadata.Name!;
        var job = await _clients.Jobs.GetAsync(ns, jobName, cancellationToken).ConfigureAwait(false);
        if (job is null || job.Metadata.DeletionTimestamp is not null)
        {
            return await FailAsync(run, "JobNotFound", $"Job {jobName} was deleted before the run finished", cancellationToken).ConfigureAwait(false);
        }

        var pod = await FindPodAsync(run, cancellationToken).ConfigureAwait(false);
        var podChanged = pod is not null && status.PodName != pod.Metadata.Name;
        status.PodName = pod?.Metadata.Name ?? status.PodName;

        if (JobOutcome(job) is { } jobSucceeded)
        {
            return await FinishAsync(run, job, pod, jobSucceeded, cancellationToken).ConfigureAwait(false);
        }

        // The agent ended but something keeps the pod alive (a sidecar that ignores SIGTERM):
        // record the outcome and end the Job after a grace period.
        if (AgentTerminated(pod) is { } terminated && terminated.FinishedAt is { } finishedAt)
        {
            var since = Now - new DateTimeOffset(DateTime.SpecifyKind(finishedAt, DateTimeKind.Utc));
            if (since >= SidecarGrace)
            {
                var result = await FinishAsync(run, job, pod, terminated.ExitCode == 0, cancellationToken).ConfigureAwait(false);
                await _clients.Jobs.DeleteAsync(ns, jobName, "Background", cancellationToken).ConfigureAwait(false);
                return result;
            }
        }

        var timeout = RunPlanner.EffectiveTimeout(run, null);
        var elapsed = Now - (status.StartedAt ?? Now);
        if (elapsed > timeout)
        {
            var log = await ReadAgentLogAsync(run, pod, cancellationToken).ConfigureAwait(false);
            if (log is not null)
            {
                await ApplyMemoryAsync(run, AgentLogParser.Parse(log), cancellationToken).ConfigureAwait(false);
            }

            await _clients.Jobs.DeleteAsync(ns, jobName, "Background", cancellationToken).ConfigureAwait(false);
            return await ConcludeAgentAsync(run, AgentEnd.Failure("DeadlineExceeded", $"DeadlineExceeded: the run did not finish within its timeout of {GoDuration.Format(timeout)} (spec.timeout); its Job was deleted"), cancellationToken).ConfigureAwait(false);
        }

        if (podChanged)
        {
            await WriteStatusAsync(run, cancellationToken).ConfigureAwait(false);
        }

        // Job and pod changes wake this run up; the delay only bounds the wait for the timeout.
        var remaining = timeout - elapsed;
        return ReconcileResult.RequeueAfter(remaining < TimeSpan.FromSeconds(30) ? remaining + TimeSpan.FromMilliseconds(200) : TimeSpan.FromSeconds(30));
    }

    /// <summary>True/false when the Job completed/failed, null while it runs.</summary>
    private static bool? JobOutcome(V1Job job)
    {
        foreach (var condition in job.Status?.Conditions ?? [])
        {
            if (condition.Status == "True" && condition.Type == "Complete")
            {
                return true;
            }

            if (condition.Status == "True" && condition.Type == "Failed")
            {
                return false;
            }
        }

        return job.Status?.Succeeded > 0 ? true : job.Status?.Failed > 0 ? false : null;
    }

    private static V1ContainerStateTerminated? AgentTerminated(V1Pod? pod) =>
        pod?.Status?.ContainerStatuses?.FirstOrDefault(c => c.Name == AgentContainer)?.State?.Terminated;

    /// <summary>The run's pod: the one recorded in status, else the newest labelled with the run.</summary>
    private async Task<V1Pod?> FindPodAsync(AgentRun run, CancellationToken cancellationToken)
    {
        var ns = run.Metadata.Namespace!;
        if (run.Status?.PodName is { Length: > 0 } known
            && await _clients.Pods.GetAsync(ns, known, cancellationToken).ConfigureAwait(false) is { } recorded)
        {
            return recorded;
        }

        var pods = await _clients.Pods.ListAsync(ns, $"{Labels.AgentRun}={run.Metadata.Name},{Labels.Component}={Labels.Components.AgentRun}", cancellationToken: cancellationToken).ConfigureAwait(false);
        return pods.Items.OrderByDescending(p => p.Metadata.CreationTimestamp ?? DateTime.MinValue).FirstOrDefault();
    }

    private async Task<string?> ReadAgentLogAsync(AgentRun run, V1Pod? pod, CancellationToken cancellationToken) =>
        pod is null ? null : await PodLogs.ReadAsync(_clients.Connection, run.Metadata.Namespace!, pod.Metadata.Name, AgentContainer, cancellationToken).ConfigureAwait(false);

    /// <summary>Reads the whole agent log (never a tail), persists memory, and records the outcome once.</summary>
    private async Task<ReconcileResult> FinishAsync(AgentRun run, V1Job job, V1Pod? pod, bool jobSucceeded, CancellationToken cancellationToken)
    {
        var log = await ReadAgentLogAsync(run, pod, cancellationToken).ConfigureAwait(false);
        var outcome = log is null ? new AgentOutcome() : AgentLogParser.Parse(log);
        await ApplyMemoryAsync(run, outcome, cancellationToken).ConfigureAwait(false);
        var terminated = AgentTerminated(pod);
        run.Status!.ExitCode = terminated?.ExitCode;

        // A success marker wins: the Job can fail because a helper container failed after the agent finished.
        if (outcome.Succeeded == true || (jobSucceeded && outcome.Succeeded is null && terminated?.ExitCode is null or 0))
        {
            return await ConcludeAgentAsync(run, AgentEnd.Success(outcome.Result, outcome.Usage), cancellationToken).ConfigureAwait(false);
        }

        var jobFailure = job.Status?.Conditions?.FirstOrDefault(c => c.Type == "Failed" && c.Status == "True");
        if (outcome.Error is null && jobFailure?.Reason == "DeadlineExceeded")
        {
            return await ConcludeAgentAsync(run, AgentEnd.Failure("DeadlineExceeded", $"DeadlineExceeded: Job {job.Metadata.Name} ran past its activeDeadlineSeconds ({job.Spec.ActiveDeadlineSeconds}s)"), cancellationToken).ConfigureAwait(false);
        }

        var reason = outcome.Error
            ?? (terminated is { ExitCode: not 0 } t ? $"agent container exited with code {t.ExitCode}" + (string.IsNullOrEmpty(t.Reason) ? "" : $" ({t.Reason})") : null)
            ?? WaitingReason(pod)
            ?? (jobFailure is { Message.Length: > 0 } ? $"Job failed: {jobFailure.Message}" : null)
            ?? "Job failed";
        return await ConcludeAgentAsync(run, AgentEnd.Failure("AgentFailed", reason), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Why a container of the pod never ran (e.g. ErrImagePull with its message).</summary>
    private static string? WaitingReason(V1Pod? pod) =>
        (pod?.Status?.InitContainerStatuses ?? []).Concat(pod?.Status?.ContainerStatuses ?? [])
            .Select(c => (c.Name, Waiting: c.State?.Waiting ?? (c.State?.Terminated is { ExitCode: not 0 } t ? new V1ContainerStateWaiting { Reason = t.Reason, Message = t.Message } : null)))
            .Where(c => c.Waiting is { Reason.Length: > 0 } w && w.Reason is not ("ContainerCreating" or "PodInitializing"))
            .Select(c => $"container {c.Name}: {c.Waiting!.Reason}" + (string.IsNullOrEmpty(c.Waiting.Message) ? "" : $": {c.Waiting.Message}"))
            .FirstOrDefault();

    /// <summary>Replaces MEMORY.md of the instance's memory ConfigMap with the agent's update (skipped when the ConfigMap does not exist).</summary>
    private async Task ApplyMemoryAsync(AgentRun run, AgentOutcome outcome, CancellationToken cancellationToken)
    {
        if (outcome.MemoryUpdate is not { } memory)
        {
            return;
        }

        var ns = run.Metadata.Namespace!;
        var name = InstanceChildrenBuilder.MemoryName(run.Spec.InstanceRef);
        await ConflictRetry.RunAsync(
            async ct =>
            {
                var configMap = await _clients.ConfigMaps.GetAsync(ns, name, ct).ConfigureAwait(false);
                if (configMap is null || (configMap.Data?.TryGetValue("MEMORY.md", out var current) == true && current == memory))
                {
                    return configMap;
                }

                configMap.Data ??= new Dictionary<string, string>();
                configMap.Data["MEMORY.md"] = memory;
                return await _clients.ConfigMaps.ReplaceAsync(ns, name, configMap, ct).ConfigureAwait(false);
            },
            cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- terminal and deletion

    /// <summary>Every reconcile of a finished run: revoke RBAC, publish a failure, release the finalizer, prune history.</summary>
    private async Task<ReconcileResult> CompletedAsync(AgentRun run, CancellationToken cancellationToken)
    {
        if (HasCondition(run, Conditions.RbacGranted))
        {
            await RevokeRbacAsync(run, cancellationToken).ConfigureAwait(false);
            SetCondition(run.Status!, Conditions.RbacGranted, "False", "Revoked", "the run has finished; its ServiceAccount and grants were deleted");
            await WriteStatusAsync(run, cancellationToken).ConfigureAwait(false);
        }

        if (run.Status!.PostRunJobName is { Length: > 0 })
        {
            await _clients.Claims.DeleteAsync(run.Metadata.Namespace, PostRunJobBuilder.WorkspaceClaimName(run), cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        var retryPublish = false;
        if (run.Status!.Phase == "Failed" && _events is not null && !HasCondition(run, Conditions.FailureEventPublished))
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

        await Finalizer.RemoveAsync(_clients.Runs, run, Finalizers.AgentRun, cancellationToken).ConfigureAwait(false);

        await PruneAsync(run, cancellationToken).ConfigureAwait(false);
        return retryPublish ? ReconcileResult.RequeueAfter(Poll * 2) : ReconcileResult.Done;
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

    /// <summary>
    /// Deletes the run's ServiceAccount, Roles, RoleBindings and cluster-scoped grants — when the
    /// run ends, not when it is pruned (control-plane.md §12 #5).
    /// </summary>
    private async Task RevokeRbacAsync(AgentRun run, CancellationToken cancellationToken)
    {
        var ns = run.Metadata.Namespace!;
        var name = run.Metadata.Name!;
        var clusterSelector = RbacBuilder.ClusterSelector(ns, name);
        foreach (var binding in (await _clients.ClusterRoleBindings.ListAsync(null, clusterSelector, cancellationToken: cancellationToken).ConfigureAwait(false)).Items)
        {
            await _clients.ClusterRoleBindings.DeleteAsync(null, binding.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        foreach (var role in (await _clients.ClusterRoles.ListAsync(null, clusterSelector, cancellationToken: cancellationToken).ConfigureAwait(false)).Items)
        {
            await _clients.ClusterRoles.DeleteAsync(null, role.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        var selector = $"{Labels.AgentRun}={name},{Labels.ManagedBy}={Labels.Values.Sympozium}";
        foreach (var binding in (await _clients.RoleBindings.ListAsync(ns, selector, cancellationToken: cancellationToken).ConfigureAwait(false)).Items)
        {
            await _clients.RoleBindings.DeleteAsync(ns, binding.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        foreach (var role in (await _clients.Roles.ListAsync(ns, selector, cancellationToken: cancellationToken).ConfigureAwait(false)).Items)
        {
            await _clients.Roles.DeleteAsync(ns, role.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        await _clients.ServiceAccounts.DeleteAsync(ns, AgentPodBuilder.RunServiceAccountName(run), cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Keeps the newest <see cref="ControllerOptions.MaxRunHistory"/> finished runs of the instance.</summary>
    private async Task PruneAsync(AgentRun run, CancellationToken cancellationToken)
    {
        var ns = run.Metadata.Namespace!;
        if (run.Metadata.Labels?.GetValueOrDefault(Labels.Instance) is not { Length: > 0 } instance)
        {
            return;
        }

        var finished = (await _instanceRuns(ns, instance, cancellationToken).ConfigureAwait(false))
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
