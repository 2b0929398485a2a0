using System.Security.Cryptography;
using System.Text;
using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Api.Validation;
using Sympozium.Api.WellKnown;

namespace Sympozium.Controller.Builders;

/// <summary>The RBAC objects of one run: its ServiceAccount and the grants bound to it alone.</summary>
public sealed record RunRbac(
    V1ServiceAccount? ServiceAccount,
    IReadOnlyList<V1Role> Roles,
    IReadOnlyList<V1RoleBinding> RoleBindings,
    IReadOnlyList<V1ClusterRole> ClusterRoles,
    IReadOnlyList<V1ClusterRoleBinding> ClusterRoleBindings,
    IReadOnlyList<string> Errors)
{
    public bool IsValid => Errors.Count == 0;

    public bool IsEmpty => ServiceAccount is null;
}

/// <summary>
/// Per-run least-privilege RBAC (docs/design/agent-runs.md#per-run-rbac; upstream-fixes.md#cp-5,
/// #cp-22, #cp-23): every rule is judged by <see cref="RbacRuleJudge"/> first (no wildcards, no
/// escalate/bind/impersonate, no Secrets, cluster-wide rules only from packs in sympozium-system),
/// and every grant is bound to the run's own ServiceAccount, never the shared <c>sympozium-agent</c>.
/// Grant names end in a hash of namespace, run, run UID and pack, so two runs can never share one;
/// everything is labelled for revocation when the run ends. Refused rules are reported before
/// anything is created, so a bad SkillPack never leaves partial RBAC behind.
/// </summary>
public static class RbacBuilder
{
    /// <summary>Kubernetes object names (Roles, ClusterRoles and their bindings) are at most this long.</summary>
    private const int MaxNameLength = 253;

    /// <summary>Label values are at most this long.</summary>
    private const int MaxLabelValueLength = 63;

    /// <summary>
    /// The namespace's shared ServiceAccount of runs without API access: it never gets a token
    /// (automount off) nor a grant.
    /// </summary>
    public static V1ServiceAccount SharedAgentServiceAccount(string ns) => new()
    {
        ApiVersion = "v1",
        Kind = "ServiceAccount",
        Metadata = new V1ObjectMeta
        {
            Name = Defaults.AgentServiceAccount,
            NamespaceProperty = ns,
            Labels = new Dictionary<string, string> { [Labels.AppManagedBy] = Labels.Values.Sympozium },
        },
        AutomountServiceAccountToken = false,
    };

    public static RunRbac Build(AgentPodInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var run = inputs.Run;
        var runName = run.Metadata.Name ?? throw new ArgumentException("the run has no name", nameof(inputs));
        var ns = run.Metadata.Namespace ?? throw new ArgumentException("the run has no namespace", nameof(inputs));
        var errors = new List<string>();
        var sidecars = inputs.Sidecars.Where(s => s.Sidecar.RequiresServer != true && !string.IsNullOrEmpty(s.Sidecar.Image)).ToList();
        foreach (var sidecar in sidecars)
        {
            var pack = sidecar.PackNamespace is { Length: > 0 } packNs ? $"{packNs}/{sidecar.PackName}" : sidecar.PackName;
            errors.AddRange(RbacRuleJudge.JudgeSkillPack(sidecar.Sidecar, sidecar.PackNamespace).Select(e => $"SkillPack {pack}: {e}"));
        }

        errors.AddRange(RbacRuleJudge.JudgeLifecycle(run.Spec.Lifecycle, "spec.lifecycle").Select(e => $"AgentRun {ns}/{runName}: {e}"));
        if (errors.Count > 0 || !AgentPodBuilder.NeedsApiAccess(inputs))
        {
            return new RunRbac(null, [], [], [], [], errors);
        }

        var account = AgentPodBuilder.RunServiceAccountName(run);
        var owner = AgentPodBuilder.OwnerReference(run);
        var subject = new Rbacv1Subject { Kind = "ServiceAccount", Name = account, NamespaceProperty = ns };
        var roles = new List<V1Role>();
        var bindings = new List<V1RoleBinding>();
        var clusterRoles = new List<V1ClusterRole>();
        var clusterBindings = new List<V1ClusterRoleBinding>();

        foreach (var sidecar in sidecars)
        {
            var labels = Labeled(run, sidecar.PackName);
            if (sidecar.Sidecar.Rbac is { Count: > 0 } rules)
            {
                AddRole(GrantName($"sympozium-skill-{sidecar.PackName}-{runName}", run, sidecar.PackName), ns, labels, owner, rules, subject, roles, bindings);
            }

            if (sidecar.Sidecar.ClusterRBAC is { Count: > 0 } clusterRules)
            {
                var name = ClusterName(run, sidecar.PackName);
                clusterRoles.Add(new V1ClusterRole { ApiVersion = "rbac.authorization.k8s.io/v1", Kind = "ClusterRole", Metadata = Meta(name, null, labels, null), Rules = Rules(clusterRules) });
                clusterBindings.Add(new V1ClusterRoleBinding
                {
                    ApiVersion = "rbac.authorization.k8s.io/v1",
                    Kind = "ClusterRoleBinding",
                    Metadata = Meta(name, null, labels, null),
                    RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = name },
                    Subjects = [subject],
                });
            }
        }

        if (run.Spec.Lifecycle?.Rbac is { Count: > 0 } hookRules)
        {
            var labels = Labeled(run, null);
            labels[Labels.Component] = Labels.Components.Lifecycle;
            AddRole(GrantName("sympozium-lifecycle-" + runName, run, null), ns, labels, owner, hookRules, subject, roles, bindings);
        }

        var serviceAccount = new V1ServiceAccount
        {
            ApiVersion = "v1",
            Kind = "ServiceAccount",
            Metadata = Meta(account, ns, Labeled(run, null), owner),
        };
        return new RunRbac(serviceAccount, roles, bindings, clusterRoles, clusterBindings, errors);
    }

    /// <summary>Label selector of every cluster-scoped RBAC object of a run (for revocation).</summary>
    public static string ClusterSelector(string ns, string runName) =>
        $"{Labels.AgentRun}={runName},{Labels.RunNamespace}={ns},{Labels.ManagedBy}={Labels.Values.Sympozium}";

    /// <summary>Label selector of every cluster-scoped RBAC object of any run (for the sweep of grants whose run is gone).</summary>
    public static string AllClusterGrantsSelector => $"{Labels.ManagedBy}={Labels.Values.Sympozium},{Labels.AgentRun},{Labels.RunNamespace}";

    /// <summary>
    /// <c>sympozium-skill-&lt;namespace&gt;-&lt;pack&gt;-&lt;run&gt;-&lt;hash&gt;</c>: the readable part may be
    /// ambiguous (<c>a-b</c>/<c>c</c> and <c>a</c>/<c>b-c</c>), the hash of namespace, run, UID and pack is not.
    /// </summary>
    public static string ClusterName(AgentRun run, string pack)
    {
        ArgumentNullException.ThrowIfNull(run);
        return GrantName($"sympozium-skill-{run.Metadata.Namespace}-{pack}-{run.Metadata.Name}", run, pack);
    }

    /// <summary><paramref name="readable"/> cut to fit, then <c>-</c> and 12 hex digits of SHA-256 over namespace, name, UID and pack.</summary>
    private static string GrantName(string readable, AgentRun run, string? pack)
    {
        // NUL cannot occur in any of the parts, so distinct tuples hash distinct inputs.
        var identity = $"{run.Metadata.Namespace}\0{run.Metadata.Name}\0{run.Metadata.Uid}\0{pack}";
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..12];
        var room = MaxNameLength - hash.Length - 1;
        return $"{(readable.Length > room ? readable[..room] : readable).TrimEnd('-', '.')}-{hash}";
    }

    private static void AddRole(string name, string ns, Dictionary<string, string> labels, V1OwnerReference owner, IEnumerable<RbacRule> rules, Rbacv1Subject subject, List<V1Role> roles, List<V1RoleBinding> bindings)
    {
        roles.Add(new V1Role { ApiVersion = "rbac.authorization.k8s.io/v1", Kind = "Role", Metadata = Meta(name, ns, labels, owner), Rules = Rules(rules) });
        bindings.Add(new V1RoleBinding
        {
            ApiVersion = "rbac.authorization.k8s.io/v1",
            Kind = "RoleBinding",
            Metadata = Meta(name, ns, labels, owner),
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = name },
            Subjects = [subject],
        });
    }

    // Only the three judged fields are copied: resourceNames and nonResourceURLs are not part of
    // RbacRule, so they can never widen a grant.
    private static List<V1PolicyRule> Rules(IEnumerable<RbacRule> rules) =>
        [.. rules.Select(r => new V1PolicyRule { ApiGroups = [.. r.ApiGroups], Resources = [.. r.Resources], Verbs = [.. r.Verbs] })];

    private static Dictionary<string, string> Labeled(AgentRun run, string? pack)
    {
        var labels = new Dictionary<string, string>
        {
            [Labels.AgentRun] = run.Metadata.Name!,
            [Labels.RunNamespace] = run.Metadata.Namespace!,
            [Labels.ManagedBy] = Labels.Values.Sympozium,
        };
        if (run.Metadata.Uid is { Length: > 0 } uid)
        {
            labels[Labels.RunUid] = uid;
        }

        if (pack is not null)
        {
            // A pack name may be a 253-character subdomain; a label value holds 63.
            labels[Labels.Skill] = pack.Length > MaxLabelValueLength ? pack[..MaxLabelValueLength].TrimEnd('-', '.') : pack;
        }

        return labels;
    }

    private static V1ObjectMeta Meta(string name, string? ns, Dictionary<string, string> labels, V1OwnerReference? owner) => new()
    {
        Name = name,
        NamespaceProperty = ns,
        Labels = new Dictionary<string, string>(labels),
        OwnerReferences = owner is null ? null : [owner],
    };
}
