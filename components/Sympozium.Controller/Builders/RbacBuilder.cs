using k8s.Models;
using Sympozium.Api.Kinds;
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
/// Per-run least-privilege RBAC (docs/design/agent-runs.md#per-run-rbac; upstream-fixes.md#cp-5):
/// every grant is bound to the run's own ServiceAccount, never the shared <c>sympozium-agent</c>;
/// cluster-scoped names carry the namespace so same-named runs in two namespaces cannot collide;
/// everything is labelled for revocation when the run ends. Invalid rules are reported before
/// anything is created, so a bad SkillPack never leaves partial RBAC behind.
/// </summary>
public static class RbacBuilder
{
    /// <summary>Verbs Kubernetes RBAC knows; anything else is a typo that would grant nothing.</summary>
    public static readonly IReadOnlySet<string> KnownVerbs = new HashSet<string>(
        ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "impersonate", "bind", "escalate", "use", "approve", "sign", "*"],
        StringComparer.Ordinal);

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
            Check($"SkillPack {sidecar.PackName}: spec.sidecar.rbac", sidecar.Sidecar.Rbac, errors);
            Check($"SkillPack {sidecar.PackName}: spec.sidecar.clusterRBAC", sidecar.Sidecar.ClusterRBAC, errors);
        }

        Check($"AgentRun {ns}/{runName}: spec.lifecycle.rbac", run.Spec.Lifecycle?.Rbac, errors);
        if (!AgentPodBuilder.NeedsApiAccess(inputs))
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
            var labels = Labeled(runName, ns, sidecar.PackName);
            if (sidecar.Sidecar.Rbac is { Count: > 0 } rules)
            {
                AddRole($"sympozium-skill-{sidecar.PackName}-{runName}", ns, labels, owner, rules, subject, roles, bindings);
            }

            if (sidecar.Sidecar.ClusterRBAC is { Count: > 0 } clusterRules)
            {
                var name = ClusterName(ns, sidecar.PackName, runName);
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
            var labels = Labeled(runName, ns, null);
            labels[Labels.Component] = Labels.Components.Lifecycle;
            AddRole("sympozium-lifecycle-" + runName, ns, labels, owner, hookRules, subject, roles, bindings);
        }

        var serviceAccount = new V1ServiceAccount
        {
            ApiVersion = "v1",
            Kind = "ServiceAccount",
            Metadata = Meta(account, ns, Labeled(runName, ns, null), owner),
        };
        return new RunRbac(serviceAccount, roles, bindings, clusterRoles, clusterBindings, errors);
    }

    /// <summary>Label selector of every cluster-scoped RBAC object of a run (for revocation).</summary>
    public static string ClusterSelector(string ns, string runName) =>
        $"{Labels.AgentRun}={runName},{Labels.RunNamespace}={ns},{Labels.ManagedBy}={Labels.Values.Sympozium}";

    /// <summary><c>sympozium-skill-&lt;namespace&gt;-&lt;pack&gt;-&lt;run&gt;</c>.</summary>
    public static string ClusterName(string ns, string pack, string runName) => $"sympozium-skill-{ns}-{pack}-{runName}";

    private static void Check(string where, List<RbacRule>? rules, List<string> errors)
    {
        for (var i = 0; i < (rules?.Count ?? 0); i++)
        {
            var rule = rules![i];
            var path = $"{where}[{i}]";
            if (rule.ApiGroups is not { Count: > 0 })
            {
                errors.Add($"{path}.apiGroups: list at least one API group (\"\" is the core group)");
            }

            if (rule.Resources is not { Count: > 0 } || rule.Resources.Any(string.IsNullOrWhiteSpace))
            {
                errors.Add($"{path}.resources: list the resources the rule grants, e.g. pods");
            }

            var unknown = (rule.Verbs ?? []).Where(v => !KnownVerbs.Contains(v)).ToList();
            if (rule.Verbs is not { Count: > 0 })
            {
                errors.Add($"{path}.verbs: list at least one verb, e.g. get, list, watch");
            }
            else if (unknown.Count > 0)
            {
                errors.Add($"{path}.verbs: {string.Join(", ", unknown.Select(v => $"\"{v}\""))} is not a Kubernetes verb; use {string.Join(", ", KnownVerbs)}");
            }
        }
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

    private static List<V1PolicyRule> Rules(IEnumerable<RbacRule> rules) =>
        [.. rules.Select(r => new V1PolicyRule { ApiGroups = [.. r.ApiGroups], Resources = [.. r.Resources], Verbs = [.. r.Verbs] })];

    private static Dictionary<string, string> Labeled(string runName, string ns, string? pack)
    {
        var labels = new Dictionary<string, string>
        {
            [Labels.AgentRun] = runName,
            [Labels.RunNamespace] = ns,
            [Labels.ManagedBy] = Labels.Values.Sympozium,
        };
        if (pack is not null)
        {
            labels[Labels.Skill] = pack;
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
