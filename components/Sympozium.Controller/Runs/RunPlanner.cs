using Sympozium.Api.Kinds;
using Sympozium.Api.Validation;
using Sympozium.Api.WellKnown;

namespace Sympozium.Controller.Runs;

/// <summary>The effective spec of a Pending run and whether it differs from what is stored.</summary>
public sealed record RunPlan(AgentRun Run, TimeSpan Timeout, bool Changed, IReadOnlyList<string> Changes);

/// <summary>
/// Computes what a Pending run inherits from its instance — skills, run timeout, persona-pack
/// label — so the reconciler persists it BEFORE creating the Job (upstream applied these in
/// memory only, so its kill timer and the Job deadline disagreed, docs/design/upstream-fixes.md#cp-1).
/// </summary>
public static class RunPlanner
{
    /// <summary>
    /// Applies the instance defaults to a copy of <paramref name="run"/>. The timeout is always
    /// written back in Go syntax (<c>10m0s</c>), so deadline, kill timer and RUN_TIMEOUT agree.
    /// </summary>
    public static RunPlan Plan(AgentRun run, SympoziumInstance? instance)
    {
        ArgumentNullException.ThrowIfNull(run);
        var copy = Clone(run);
        var changes = new List<string>();

        var fromWebProxy = copy.Metadata.Labels?.GetValueOrDefault(Labels.Source) == Labels.Sources.WebProxy;
        if (copy.Spec.Skills is not { Count: > 0 } && instance?.Spec.Skills is { Count: > 0 } skills && !fromWebProxy)
        {
            copy.Spec.Skills = [.. skills.Select(s => new SkillRef { SkillPackRef = s.SkillPackRef, ConfigMapRef = s.ConfigMapRef, Params = s.Params is null ? null : new Dictionary<string, string>(s.Params) })];
            changes.Add("spec.skills inherited from the instance");
        }

        var timeout = EffectiveTimeout(copy, instance);
        var formatted = GoDuration.Format(timeout);
        if (copy.Spec.Timeout != formatted)
        {
            changes.Add($"spec.timeout set to {formatted}");
            copy.Spec.Timeout = formatted;
        }

        if (instance?.Metadata.Labels?.GetValueOrDefault(Labels.PersonaPack) is { Length: > 0 } pack
            && copy.Metadata.Labels?.GetValueOrDefault(Labels.PersonaPack) != pack)
        {
            copy.Metadata.Labels ??= [];
            copy.Metadata.Labels[Labels.PersonaPack] = pack;
            changes.Add($"label {Labels.PersonaPack}={pack} copied from the instance");
        }

        return new RunPlan(copy, timeout, changes.Count > 0, changes);
    }

    /// <summary>The run's own timeout, else the instance's runTimeout, else 10 minutes; invalid or non-positive values are skipped.</summary>
    public static TimeSpan EffectiveTimeout(AgentRun run, SympoziumInstance? instance)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (GoDuration.TryParse(run.Spec.Timeout, out var own) && own > TimeSpan.Zero)
        {
            return own;
        }

        if (GoDuration.TryParse(instance?.Spec.Agents.Default.RunTimeout, out var inherited) && inherited > TimeSpan.Zero)
        {
            return inherited;
        }

        return Defaults.RunTimeout;
    }

    private static AgentRun Clone(AgentRun run) =>
        System.Text.Json.JsonSerializer.Deserialize(
            System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(run, Api.Serialization.SympoziumJsonContext.Default.AgentRun),
            Api.Serialization.SympoziumJsonContext.Default.AgentRun)!;
}
