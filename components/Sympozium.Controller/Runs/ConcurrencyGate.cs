using Sympozium.Api.Kinds;
using Sympozium.Api.Validation;

namespace Sympozium.Controller.Runs;

/// <summary>Whether a Pending run may start now, and if not, why it waits.</summary>
public sealed record ConcurrencyDecision(bool MayStart, string? WaitReason)
{
    public static ConcurrencyDecision Start { get; } = new(true, null);
}

/// <summary>
/// Enforces <c>subagentPolicy.maxConcurrent</c> by queueing instead of failing
/// (docs/design/upstream-fixes.md#cp-4): every unfinished run of the instance counts, and waiting
/// runs start oldest first.
/// </summary>
public static class ConcurrencyGate
{
    /// <summary>Phases that hold a slot: everything not finished and not merely queued.</summary>
    public static bool HoldsSlot(AgentRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.Status?.Phase is AgentRunPhases.Running or AgentRunPhases.Serving or AgentRunPhases.PostRunning or AgentRunPhases.AwaitingDelegate
            || (run.Status?.Phase is null or "" or AgentRunPhases.Pending && !string.IsNullOrEmpty(run.Status?.JobName));
    }

    /// <summary>Queued: Pending without a Job yet.</summary>
    public static bool IsQueued(AgentRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.Status?.Phase is null or "" or AgentRunPhases.Pending && string.IsNullOrEmpty(run.Status?.JobName);
    }

    /// <param name="candidate">The Pending run being reconciled.</param>
    /// <param name="instanceRuns">All runs labelled with the same instance (the candidate may be among them).</param>
    /// <param name="maxConcurrent">The policy limit; null or ≤ 0 means unlimited.</param>
    public static ConcurrencyDecision Decide(AgentRun candidate, IEnumerable<AgentRun> instanceRuns, int? maxConcurrent)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(instanceRuns);
        if (maxConcurrent is not > 0)
        {
            return ConcurrencyDecision.Start;
        }

        var others = instanceRuns.Where(r => r.Metadata.Uid != candidate.Metadata.Uid || r.Metadata.Name != candidate.Metadata.Name).ToList();
        var active = others.Count(HoldsSlot);
        var free = maxConcurrent.Value - active;
        if (free <= 0)
        {
            return new ConcurrencyDecision(false, $"waiting: {active}/{maxConcurrent} runs of instance {candidate.Spec.InstanceRef} are active");
        }

        // Fair queue: only the oldest `free` queued runs may start (ties broken by name).
        var ahead = others.Where(IsQueued).Count(r => IsAhead(r, candidate));
        return ahead < free
            ? ConcurrencyDecision.Start
            : new ConcurrencyDecision(false, $"waiting: {ahead} older runs of instance {candidate.Spec.InstanceRef} are queued for {free} free slot(s) ({active}/{maxConcurrent} active)");
    }

    /// <summary>Denied when the spawn depth reaches the limit (the webhook and the controller use this one rule).</summary>
    public static string? CheckDepth(AgentRun run, int? maxDepth) => SpawnDepthRule.Check(run, maxDepth);

    private static bool IsAhead(AgentRun a, AgentRun b)
    {
        var byTime = (a.Metadata.CreationTimestamp ?? DateTimeOffset.MaxValue).CompareTo(b.Metadata.CreationTimestamp ?? DateTimeOffset.MaxValue);
        return byTime != 0 ? byTime < 0 : string.CompareOrdinal(a.Metadata.Name, b.Metadata.Name) < 0;
    }
}
