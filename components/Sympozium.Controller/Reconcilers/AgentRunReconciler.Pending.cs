using Sympozium.Api.Kinds;
using Sympozium.Api.Validation;
using Sympozium.Api.WellKnown;
using Sympozium.Controller.Runs;
using Sympozium.Kubernetes.Reconcile;

namespace Sympozium.Controller.Reconcilers;

// Pending: wait for what the run needs (its instance, policy, a concurrency slot), reject what
// this controller cannot run, and persist the effective spec before anything is created from it.
public sealed partial class AgentRunReconciler
{
    private async Task<ReconcileResult> PendingAsync(AgentRun run, CancellationToken cancellationToken)
    {
        var ns = run.Metadata.Namespace!;
        var age = Now - (run.Metadata.CreationTimestamp ?? Now);

        var instance = await _clients.Instances.GetAsync(ns, run.Spec.InstanceRef, cancellationToken).ConfigureAwait(false);
        var timeout = RunPlanner.EffectiveTimeout(run, instance);
        if (instance is null)
        {
            return await WaitOrFailAsync(
                run,
                "InstanceNotFound",
                $"SympoziumInstance \"{run.Spec.InstanceRef}\" (spec.instanceRef) does not exist in namespace {ns}; the run starts when it is created",
                $"SympoziumInstance \"{run.Spec.InstanceRef}\" (spec.instanceRef) did not appear in namespace {ns} within the run timeout {GoDuration.Format(timeout)}",
                age > timeout,
                cancellationToken).ConfigureAwait(false);
        }

        SympoziumPolicy? policy = null;
        if (instance.Spec.PolicyRef is { Length: > 0 } policyName)
        {
            policy = await _clients.Policies.GetAsync(ns, policyName, cancellationToken).ConfigureAwait(false);
            if (policy is null)
            {
                return await WaitOrFailAsync(
                    run,
                    "PolicyNotFound",
                    $"SympoziumPolicy \"{policyName}\" named by instance {run.Spec.InstanceRef} (spec.policyRef) does not exist in namespace {ns}; the run starts when it is created",
                    $"SympoziumPolicy \"{policyName}\" named by instance {run.Spec.InstanceRef} (spec.policyRef) did not appear within the run timeout {GoDuration.Format(timeout)}",
                    age > timeout,
                    cancellationToken).ConfigureAwait(false);
            }
        }

        if (ConcurrencyGate.CheckDepth(run, policy?.Spec.SubagentPolicy?.MaxDepth) is { } depthError)
        {
            return await FailAsync(run, "PolicyViolation", $"policy {policy!.Metadata.Name}: {depthError}", cancellationToken).ConfigureAwait(false);
        }

        if (Unsupported(run) is { } unsupported)
        {
            return await FailAsync(run, "Unsupported", unsupported, cancellationToken).ConfigureAwait(false);
        }

        // Persist what the run inherits before anything is created from it
        // (docs/design/upstream-fixes.md#cp-1).
        var plan = RunPlanner.Plan(run, instance);
        var planned = plan.Run;
        var changed = plan.Changed;
        if (planned.Metadata.Labels?.GetValueOrDefault(Labels.Instance) != run.Spec.InstanceRef)
        {
            // Concurrency limits and history pruning select runs by this label.
            planned.Metadata.Labels ??= [];
            planned.Metadata.Labels[Labels.Instance] = run.Spec.InstanceRef;
            changed = true;
        }

        if (changed)
        {
            await _clients.Runs.ReplaceAsync(ns, run.Metadata.Name!, planned, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Requeue;
        }

        var maxConcurrent = policy?.Spec.SubagentPolicy?.MaxConcurrent;
        if (maxConcurrent is not > 0)
        {
            return await StartAsync(run, instance, policy, plan.Timeout, age, cancellationToken).ConfigureAwait(false);
        }

        // One decision at a time per instance, on a fresh list, so two workers never overfill it.
        var gate = _instanceLocks.GetOrAdd($"{ns}/{run.Spec.InstanceRef}", _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var runs = await _clients.Runs.ListAsync(ns, $"{Labels.Instance}={run.Spec.InstanceRef}", cancellationToken: cancellationToken).ConfigureAwait(false);
            var decision = ConcurrencyGate.Decide(run, runs.Items.Where(r => r.Metadata.DeletionTimestamp is null), maxConcurrent);
            if (!decision.MayStart)
            {
                await SetWaitingAsync(run, "ConcurrencyLimit", $"policy {policy!.Metadata.Name} (spec.subagentPolicy.maxConcurrent): {decision.WaitReason}", cancellationToken).ConfigureAwait(false);
                return ReconcileResult.RequeueAfter(Poll * 2);
            }

            return await StartAsync(run, instance, policy, plan.Timeout, age, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Features this controller does not run yet, named with the field so the user knows what to
    /// change. Whether a manifest can run at all (gate hooks, ...) the webhook decides at apply time.
    /// </summary>
    private static string? Unsupported(AgentRun run)
    {
        if (run.Spec.AgentSandbox?.Enabled == true)
        {
            return "spec.agentSandbox.enabled: the agent-sandbox (agents.x-k8s.io) backend is not supported by this controller; use spec.sandbox for an isolated sandbox container";
        }

        return null;
    }

    private async Task<ReconcileResult> WaitOrFailAsync(AgentRun run, string reason, string waitMessage, string failMessage, bool expired, CancellationToken cancellationToken)
    {
        if (expired)
        {
            return await FailAsync(run, reason, failMessage, cancellationToken).ConfigureAwait(false);
        }

        await SetWaitingAsync(run, reason, waitMessage, cancellationToken).ConfigureAwait(false);
        return ReconcileResult.RequeueAfter(Poll);
    }
}
