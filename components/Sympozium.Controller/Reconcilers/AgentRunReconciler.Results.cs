using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Controller.Builders;
using Sympozium.Controller.Results;
using Sympozium.Kubernetes.Client;
using Sympozium.Kubernetes.Reconcile;

namespace Sympozium.Controller.Reconcilers;

// Results and memory: read once when the agent ends from the agent container's termination
// message (and the log markers whose digests it names); the outcome is recorded and MEMORY.md of
// the instance is replaced with the agent's update (docs/design/agent-runs.md#results-and-memory).
public sealed partial class AgentRunReconciler
{
    /// <summary>Reads the agent's outcome, persists memory, and records the outcome once.</summary>
    private async Task<ReconcileResult> FinishAsync(AgentRun run, V1Job job, V1Pod? pod, bool jobSucceeded, CancellationToken cancellationToken)
    {
        var outcome = await ReadOutcomeAsync(run, pod, cancellationToken).ConfigureAwait(false);
        await ApplyMemoryAsync(run, outcome, cancellationToken).ConfigureAwait(false);
        var terminated = AgentTerminated(pod);
        run.Status!.ExitCode = terminated?.ExitCode;

        // A reported success wins: the Job can fail because a helper container failed after the agent finished.
        if (outcome.Succeeded == true || (jobSucceeded && outcome.Succeeded is null && terminated?.ExitCode is null or 0))
        {
            return await ConcludeAgentAsync(run, AgentEnd.Success(outcome.Result, outcome.Usage), cancellationToken).ConfigureAwait(false);
        }

        var jobFailure = job.Status?.Conditions?.FirstOrDefault(c => c.Type == "Failed" && c.Status == "True");
        if (outcome.Error is null && jobFailure?.Reason == "DeadlineExceeded")
        {
            return await ConcludeAgentAsync(run, AgentEnd.Failure("DeadlineExceeded", $"DeadlineExceeded: Job {job.Metadata.Name} ran past its activeDeadlineSeconds ({job.Spec.ActiveDeadlineSeconds}s)" + PodState(pod)), cancellationToken).ConfigureAwait(false);
        }

        var reason = outcome.Error
            ?? (terminated is { ExitCode: not 0 } t ? $"agent container exited with code {t.ExitCode}" + (string.IsNullOrEmpty(t.Reason) ? "" : $" ({t.Reason})") : null)
            ?? WaitingReason(pod)
            ?? (jobFailure is { Message.Length: > 0 } ? $"Job failed: {jobFailure.Message}" : null)
            ?? "Job failed";
        return await ConcludeAgentAsync(run, AgentEnd.Failure("AgentFailed", reason), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Why a container of the pod never ran (e.g. ErrImagePull with its message); the agent's own termination message is its report, not a reason.</summary>
    private static string? WaitingReason(V1Pod? pod) =>
        (pod?.Status?.InitContainerStatuses ?? []).Concat(pod?.Status?.ContainerStatuses ?? [])
            .Select(c => (c.Name, Waiting: c.State?.Waiting ?? (c.State?.Terminated is { ExitCode: not 0 } t ? new V1ContainerStateWaiting { Reason = t.Reason, Message = c.Name == AgentContainer ? null : t.Message } : null)))
            .Where(c => c.Waiting is { Reason.Length: > 0 } w && w.Reason is not ("ContainerCreating" or "PodInitializing"))
            .Select(c => $"container {c.Name}: {c.Waiting!.Reason}" + (string.IsNullOrEmpty(c.Waiting.Message) ? "" : $": {c.Waiting.Message}"))
            .FirstOrDefault();

    /// <summary>
    /// What the agent reported in its termination message; the whole log is read only when the
    /// message names a result or memory by digest, or when there is no message (for a rate-limit line).
    /// </summary>
    private async Task<AgentOutcome> ReadOutcomeAsync(AgentRun run, V1Pod? pod, CancellationToken cancellationToken)
    {
        var message = AgentLogParser.ReadTerminationMessage(AgentTerminated(pod)?.Message);
        var log = AgentLogParser.NeedsLog(message) ? await ReadAgentLogAsync(run, pod, cancellationToken).ConfigureAwait(false) : null;
        return AgentLogParser.Parse(message, log);
    }

    /// <summary>
    /// For a timeout message: why the pod's containers were not running (e.g. <c>; pod p: container
    /// agent: ImagePullBackOff: …</c>), else the pod's phase, else that no pod exists.
    /// </summary>
    internal static string PodState(V1Pod? pod) =>
        pod is null
            ? "; the Job had no pod"
            : $"; pod {pod.Metadata.Name}: " + (WaitingReason(pod) ?? StartingContainer(pod) ?? $"phase {pod.Status?.Phase ?? "unknown"}");

    /// <summary>The first container still being created, e.g. <c>container agent: ContainerCreating</c>.</summary>
    private static string? StartingContainer(V1Pod pod) =>
        (pod.Status?.InitContainerStatuses ?? []).Concat(pod.Status?.ContainerStatuses ?? [])
            .Where(c => c.State?.Waiting is { Reason.Length: > 0 })
            .Select(c => $"container {c.Name}: {c.State!.Waiting!.Reason}" + (string.IsNullOrEmpty(c.State.Waiting.Message) ? "" : $": {c.State.Waiting.Message}"))
            .FirstOrDefault();

    private async Task<string?> ReadAgentLogAsync(AgentRun run, V1Pod? pod, CancellationToken cancellationToken) =>
        pod is null ? null : await PodLogs.ReadAsync(_clients.Connection, run.Metadata.Namespace!, pod.Metadata.Name, AgentContainer, cancellationToken).ConfigureAwait(false);

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
}
