using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Api.Validation;
using Sympozium.Api.WellKnown;
using Sympozium.Controller.Results;
using Sympozium.Controller.Runs;
using Sympozium.Kubernetes.Reconcile;

namespace Sympozium.Controller.Reconcilers;

// Running: follow the Job and the agent container; enforce the one timeout.
public sealed partial class AgentRunReconciler
{
    /// <summary>Follows the Job: outcome when it ends or the agent container ends; the one timeout otherwise.</summary>
    private async Task<ReconcileResult> RunningAsync(AgentRun run, CancellationToken cancellationToken)
    {
        var ns = run.Metadata.Namespace!;
        var status = run.Status!;
        var jobName = status.JobName is { Length: > 0 } j ? j : run.Metadata.Name!;
        var job = await _read.Jobs.GetAsync(ns, jobName, cancellationToken).ConfigureAwait(false);
        if (job is null || job.Metadata.DeletionTimestamp is not null)
        {
            // The cache may not have seen the Job this controller just created: a missing Job is
            // confirmed live before the run fails for it.
            job = await _clients.Jobs.GetAsync(ns, jobName, cancellationToken).ConfigureAwait(false);
        }

        if (job is null || job.Metadata.DeletionTimestamp is not null)
        {
            return await FailAsync(run, "JobNotFound", $"Job {jobName} was deleted before the run finished", cancellationToken).ConfigureAwait(false);
        }

        var pod = await FindPodAsync(run, cancellationToken).ConfigureAwait(false);
        var podChanged = pod is not null && status.PodName != pod.Metadata.Name;
        status.PodName = pod?.Metadata.Name ?? status.PodName;

        if (JobOutcome(job) is { } jobSucceeded)
        {
            // The Job's completion and the pod's final status arrive on two watches: the cache
            // can hold the finished Job and a pod whose agent container has not ended yet. The
            // result is read from the pod's final status, so such a pod is read again live.
            if (AgentTerminated(pod) is null)
            {
                pod = await FindPodAsync(run, cancellationToken, live: true).ConfigureAwait(false) ?? pod;
                status.PodName = pod?.Metadata.Name ?? status.PodName;
            }

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
            // Memory counts only once the agent itself reported it (its container ended).
            if (AgentTerminated(pod) is not null)
            {
                await ApplyMemoryAsync(run, await ReadOutcomeAsync(run, pod, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            }

            await _clients.Jobs.DeleteAsync(ns, jobName, "Background", cancellationToken).ConfigureAwait(false);
            return await ConcludeAgentAsync(run, AgentEnd.Failure("DeadlineExceeded", $"DeadlineExceeded: the run did not finish within its timeout of {GoDuration.Format(timeout)} (spec.timeout); its Job was deleted" + PodState(pod)), cancellationToken).ConfigureAwait(false);
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

    /// <summary>The run's pod: the one recorded in status, else the newest labelled with the run; from the cache, or from the API server when <paramref name="live"/>.</summary>
    private async Task<V1Pod?> FindPodAsync(AgentRun run, CancellationToken cancellationToken, bool live = false)
    {
        var ns = run.Metadata.Namespace!;
        if (run.Status?.PodName is { Length: > 0 } known
            && (live
                ? await _clients.Pods.GetAsync(ns, known, cancellationToken).ConfigureAwait(false)
                : await _read.Pods.GetAsync(ns, known, cancellationToken).ConfigureAwait(false)) is { } recorded)
        {
            return recorded;
        }

        var selector = new Dictionary<string, string> { [Labels.AgentRun] = run.Metadata.Name!, [Labels.Component] = Labels.Components.AgentRun };
        var pods = live
            ? (await _clients.Pods.ListAsync(ns, string.Join(',', selector.Select(l => $"{l.Key}={l.Value}")), cancellationToken: cancellationToken).ConfigureAwait(false)).Items
            : await _read.Pods.ListAsync(ns, selector, cancellationToken).ConfigureAwait(false);
        return pods.OrderByDescending(p => p.Metadata.CreationTimestamp ?? DateTime.MinValue).FirstOrDefault();
    }
}
