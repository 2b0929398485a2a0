using Sympozium.Api.Kinds;

namespace Sympozium.Api.Validation;

/// <summary>One setting that escapes the pod's isolation: where it is written, and what it asks for.</summary>
/// <param name="Source">The object it comes from when not the judged one, e.g. <c>SkillPack node-logs</c>; null for the judged object.</param>
/// <param name="Field">The field, e.g. <c>spec.sandbox.securityContext.seccompProfile.type</c>.</param>
/// <param name="Request">What it asks for, e.g. <c>privileged</c>, <c>seccomp Unconfined</c>, <c>mount /var/log</c>.</param>
/// <param name="IsHostMount">A hostPath mount, which the older <c>sandboxPolicy.allowHostMounts</c> also allows.</param>
public readonly record struct IsolationEscape(string? Source, string Field, string Request, bool IsHostMount = false);

/// <summary>
/// The one host-access rule (docs/design/admission.md#host-access), called by the webhook at
/// admission and by the controller before it builds a run's pod (a SkillPack may have changed or
/// appeared since): a setting that escapes isolation — seccomp <c>Unconfined</c>, privileged,
/// hostNetwork, hostPID, a hostPath mount, running as root — is refused unless the governing policy
/// has <c>spec.hostAccess.allowed: true</c>; hostPath mounts alone are also allowed by
/// <c>sandboxPolicy.allowHostMounts: true</c> (upstream's field). Without a governing policy nothing
/// allows them. Settings the types do not have at all (hostIPC, added capabilities,
/// allowPrivilegeEscalation, runAsUser, volumes) are refused earlier, as unknown fields, by the
/// schema.
/// </summary>
public static class HostAccessRule
{
    /// <summary>The seccomp profile type that turns seccomp off.</summary>
    public const string Unconfined = "Unconfined";

    /// <summary>What a run would get: its sandbox's seccomp profile and the host access of the SkillPacks it mounts.</summary>
    public static IEnumerable<IsolationEscape> Escapes(AgentRun run, IEnumerable<SkillPack> skillPacks)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(skillPacks);
        var seccomp = run.Spec.Sandbox?.SecurityContext?.SeccompProfile?.Type;
        var own = string.Equals(seccomp, Unconfined, StringComparison.OrdinalIgnoreCase)
            ? [new IsolationEscape(null, "spec.sandbox.securityContext.seccompProfile.type", "seccomp " + Unconfined)]
            : Array.Empty<IsolationEscape>();
        return own.Concat(skillPacks.SelectMany(Escapes));
    }

    /// <summary>What the host access of a SkillPack's sidecar asks for (nothing unless <c>hostAccess.enabled</c>).</summary>
    public static IEnumerable<IsolationEscape> Escapes(SkillPack pack)
    {
        ArgumentNullException.ThrowIfNull(pack);
        if (pack.Spec.Sidecar?.HostAccess is not { Enabled: true } access)
        {
            yield break;
        }

        var source = $"SkillPack {pack.Metadata.Name}";
        const string field = "spec.sidecar.hostAccess";
        if (access.Privileged == true)
        {
            yield return new(source, field + ".privileged", "privileged");
        }

        if (access.HostNetwork == true)
        {
            yield return new(source, field + ".hostNetwork", "hostNetwork");
        }

        if (access.HostPID == true)
        {
            yield return new(source, field + ".hostPID", "hostPID");
        }

        if (access.RunAsRoot == true)
        {
            yield return new(source, field + ".runAsRoot", "runAsUser 0");
        }

        foreach (var mount in access.Mounts ?? [])
        {
            yield return new(source, field + ".mounts", "mount " + mount.HostPath, IsHostMount: true);
        }
    }

    /// <summary>
    /// The refusal of the first escapes the policy does not allow, naming what asked and the fix;
    /// null when there are none or the policy allows them. <paramref name="policy"/> null means the
    /// object is governed by no policy.
    /// </summary>
    public static string? Check(SympoziumPolicy? policy, IEnumerable<IsolationEscape> escapes)
    {
        ArgumentNullException.ThrowIfNull(escapes);
        if (policy?.Spec.HostAccess?.Allowed == true)
        {
            return null;
        }

        var mountsAllowed = policy?.Spec.SandboxPolicy?.AllowHostMounts == true;
        var refused = escapes.Where(e => !(e.IsHostMount && mountsAllowed)).ToList();
        if (refused.Count == 0)
        {
            return null;
        }

        // One clause per object, so a SkillPack asking for three things reads as one request.
        var what = string.Join("; ", refused.GroupBy(e => e.Source).Select(g => g.Key is null
            ? string.Join("; ", g.Select(e => $"{e.Field} asks for {e.Request}"))
            : $"{g.Key} requests host access ({string.Join(", ", g.Select(e => e.Request))})"));
        return policy is null
            ? $"{what}, which escapes the pod's isolation and is refused without a governing policy that allows it "
              + "(name a SympoziumPolicy with spec.hostAccess.allowed: true in the instance's spec.policyRef, or remove the setting)"
            : $"{what}, which the policy does not allow (set spec.hostAccess.allowed: true on SympoziumPolicy {policy.Metadata.Name}"
              + (refused.All(e => e.IsHostMount) ? ", or sandboxPolicy.allowHostMounts: true for host mounts alone" : "")
              + ", or remove the setting)";
    }

    /// <summary>A policy that itself asks for an escape (its seccomp profile is written into sandboxed runs) must allow host access.</summary>
    public static string? CheckPolicy(SympoziumPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return string.Equals(policy.Spec.SandboxPolicy?.SeccompProfile?.Type, Unconfined, StringComparison.OrdinalIgnoreCase) && policy.Spec.HostAccess?.Allowed != true
            ? $"spec.sandboxPolicy.seccompProfile.type {Unconfined} turns seccomp off for every sandboxed run; set spec.hostAccess.allowed: true to allow that, or use RuntimeDefault"
            : null;
    }
}
