using Sympozium.Api.Kinds;

namespace Sympozium.Api.Validation;

/// <summary>
/// The one sub-agent depth rule (docs/design/upstream-fixes.md#cp-4): upstream's webhook denied at
/// <c>spawnDepth &gt;= maxDepth</c> while its controller failed at <c>&gt;</c>; the webhook and the
/// controller both call this.
/// </summary>
public static class SpawnDepthRule
{
    /// <summary>The denial message when the run's spawn depth reaches <paramref name="maxDepth"/>; null when it may run (no parent, or no limit).</summary>
    public static string? Check(AgentRun run, int? maxDepth)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.Spec.Parent is { } parent && maxDepth is > 0 && parent.SpawnDepth >= maxDepth
            ? $"sub-agent depth {parent.SpawnDepth} reaches the policy's maxDepth {maxDepth}"
            : null;
    }
}
