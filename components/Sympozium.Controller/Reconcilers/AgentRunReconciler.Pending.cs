using Sympozium.Api.Kinds;
using Sympozium.Api.Validation;
using Sympozium.Api.WellKnown;
using Sympozium.Controller.Runs;
using Sympozium.Kubernetes.Client;
using Sympozium.Kubernetes.Reconcile;

namespace Sympozium.Controller.Reconcilers;

// Pending: wait for what the run needs (its instance, policy, a concurrency slot), reject what
// this controller cannot run, and persist the effective spec before anything is created from it.
public sealed partial class AgentRunReconciler
{
    private static readonly Dictionary<string, string> DefaultPolicyLabels = new(StringComparer.Ordinal) { [Labels.DefaultPolicy] = Labels.Values.True };

    private async Task<ReconcileResult> PendingAsync(AgentRun run, CancellationToken cancellationToken)
    {
        var ns = run.Metadata.Namespace!;
        var age = Now - (run.Metadata.CreationTimestamp ?? Now);

        var instance = await _read.Instances.GetAsync(ns, run.Spec.InstanceRef, cancellationToken).ConfigureAwait(false);
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

        // The same resolution as the webhook's: spec.policyRef, else the namespace's default policy.
        var binding = await GoverningPolicy.ResolveAsync(
            ns,
            instance.Spec.PolicyRef,
            (n, name, ct) => _read.Policies.GetAsync(n, name, ct),
            (n, ct) => _read.Policies.ListAsync(n, DefaultPolicyLabels, ct),
            cancellationToken).ConfigureAwait(false);
        if (binding.FailsClosed)
        {
            var problem = binding.Problem(ns, run.Spec.InstanceRef)!;
            var reason = binding.Kind == PolicyBindingKind.Missing ? "PolicyNotFound" : "PolicyConflict";
            return await WaitOrFailAsync(
                run,
                reason,
                $"{problem}; the run starts when that is fixed",
                $"{problem}; not fixed within the run timeout {GoDuration.Format(timeout)}",
                age > timeout,
                cancellationToken).ConfigureAwait(false);
        }

        var policy = binding.Policy;
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
            // Continue with the run as stored: a requeue here would spend the work queue's retry
            // budget (10/s) on every new run and cap a burst of runs at that rate.
            run = await _clients.Runs.ReplaceAsync(ns, run.Metadata.Name!, planned, cancellationToken).ConfigureAwait(false);
            _read.Runs.Wrote(run);
            run.Status ??= new AgentRunStatus();
        }

        // Host access is judged again here, on the SkillPacks as they are now: a pack may have
        // appeared or changed since the run was admitted (docs/design/admission.md#host-access).
        if (await HostAccessViolationAsync(run, policy, cancellationToken).ConfigureAwait(false) is { } escape)
        {
            return await FailAsync(run, "PolicyViolation", policy is null ? escape : $"policy {policy.Metadata.Name}: {escape}", cancellationToken).ConfigureAwait(false);
        }

        var maxConcurrent = policy?.Spec.SubagentPolicy?.MaxConcurrent;
        if (maxConcurrent is not > 0)
        {
            return await StartAsync(run, instance, policy, plan.Timeout, age, cancellationToken).ConfigureAwait(false);
        }

        // One decision at a time per instance, so two workers never overfill it. The cache decides
        // "wait" (a stale view can only show a slot still taken, and the run ending it wakes this
        // one); a "start" is confirmed on a fresh list, as the cache may not show a run another
        // reconcile just started.
        var gate = _instanceLocks.GetOrAdd($"{ns}/{run.Spec.InstanceRef}", _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var cached = await _read.Runs.ListAsync(ns, new Dictionary<string, string> { [Labels.Instance] = run.Spec.InstanceRef }, cancellationToken).ConfigureAwait(false);
            var decision = ConcurrencyGate.Decide(run, cached.Where(r => r.Metadata.DeletionTimestamp is null), maxConcurrent);
            if (decision.MayStart)
            {
                var runs = await _clients.Runs.ListAsync(ns, $"{Labels.Instance}={run.Spec.InstanceRef}", cancellationToken: cancellationToken).ConfigureAwait(false);
                decision = ConcurrencyGate.Decide(run, runs.Items.Where(r => r.Metadata.DeletionTimestamp is null), maxConcurrent);
            }

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

    /// <summary>The host access the run's SkillPacks (in the namespace, else sympozium-system) ask for and the policy does not allow; null when none.</summary>
    private async Task<string?> HostAccessViolationAsync(AgentRun run, SympoziumPolicy? policy, CancellationToken cancellationToken)
    {
        var packs = new List<SkillPack>();
        foreach (var name in (run.Spec.Skills ?? []).Select(s => SkillPackRefs.PackName(s.SkillPackRef)).OfType<string>().Distinct())
        {
            if (await SystemNamespaceFallback.GetAsync(run.Metadata.Namespace!, name, _read.SkillPacks.GetAsync, cancellationToken).ConfigureAwait(false) is { } pack)
            {
                packs.Add(pack);
            }
        }

        return HostAccessRule.Check(policy, HostAccessRule.Escapes(run, packs));
    }
}
