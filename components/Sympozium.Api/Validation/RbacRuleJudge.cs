using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;

namespace Sympozium.Api.Validation;

/// <summary>
/// Decides whether RBAC rules asked for by a SkillPack or by lifecycle hooks may be granted to a
/// run (docs/design/rbac-judge.md). One judge for the webhook (at apply time) and the controller
/// (again when a run starts, because the pack may have changed since, or no webhook is installed).
/// It refuses wildcards, the verbs that lift RBAC's own limits (escalate, bind, impersonate,
/// approve, sign), Secrets, and resources that lead to more rights than they name: writing RBAC
/// objects, minting ServiceAccount tokens, approving certificates, exec/attach/port-forward into
/// other pods, the kubelet proxy, admission configuration, the run's own policy and instance, and
/// — cluster-wide only — creating workloads (a pod in any namespace may run as any ServiceAccount
/// of that namespace).
/// Cluster-wide rules are accepted only from SkillPacks in <see cref="Defaults.SystemNamespace"/>.
/// Every refusal is a <see cref="ValidationError"/> naming the field path and the fix.
/// </summary>
public static class RbacRuleJudge
{
    /// <summary>Verbs that may be granted (Kubernetes also knows escalate, bind, impersonate, approve, sign and *; those are refused).</summary>
    public static readonly IReadOnlyList<string> GrantableVerbs = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "use"];

    /// <summary>Verbs that change objects.</summary>
    private static readonly HashSet<string> WriteVerbs = new(["create", "update", "patch", "delete", "deletecollection"], StringComparer.Ordinal);

    /// <summary>Verbs that lift RBAC's own limits: never granted.</summary>
    private static readonly Dictionary<string, string> RefusedVerbs = new(StringComparer.OrdinalIgnoreCase)
    {
        ["escalate"] = "lets the run create Roles with rules it does not hold",
        ["bind"] = "lets the run bind Roles it does not hold",
        ["impersonate"] = "lets the run act as any user, group or ServiceAccount",
        ["approve"] = "lets the run approve certificate requests, i.e. issue itself credentials",
        ["sign"] = "lets the run sign certificates, i.e. issue itself credentials",
    };

    /// <summary>Resources no verb may be granted on, with why.</summary>
    private static readonly Dictionary<string, string> RefusedResources = new(StringComparer.OrdinalIgnoreCase)
    {
        ["secrets"] = "Secrets hold other ServiceAccounts' tokens and every credential of the namespace; a SkillPack mounts the one Secret it needs with spec.sidecar.secretRef",
        ["serviceaccounts/token"] = "mints tokens of any ServiceAccount, i.e. all of their rights",
        ["pods/exec"] = "runs commands in other pods, as their ServiceAccounts",
        ["pods/attach"] = "attaches to other pods' processes, as their ServiceAccounts",
        ["pods/portforward"] = "reaches other pods' ports past their NetworkPolicies",
        ["nodes/proxy"] = "reaches the kubelet API, which runs commands in every pod of the node",
        ["certificatesigningrequests/approval"] = "approves certificate requests, i.e. issues credentials",
        ["certificatesigningrequests/status"] = "issues certificates, i.e. credentials",
    };

    /// <summary>Resources only read verbs may be granted on, with why writing them escalates.</summary>
    private static readonly Dictionary<string, string> ReadOnlyResources = new(StringComparer.OrdinalIgnoreCase)
    {
        ["roles"] = "lets the run write its own Roles",
        ["clusterroles"] = "lets the run write ClusterRoles",
        ["rolebindings"] = "lets the run bind itself to any Role of the namespace",
        ["clusterrolebindings"] = "lets the run bind itself to cluster-admin",
        ["pods/ephemeralcontainers"] = "adds containers to other pods, running as their ServiceAccounts",
        ["mutatingwebhookconfigurations"] = "lets the run rewrite every object the API server admits",
        ["validatingwebhookconfigurations"] = "lets the run switch off admission checks",
        ["validatingadmissionpolicies"] = "lets the run switch off admission checks",
        ["validatingadmissionpolicybindings"] = "lets the run switch off admission checks",
        ["mutatingadmissionpolicies"] = "lets the run rewrite every object the API server admits",
        ["mutatingadmissionpolicybindings"] = "lets the run rewrite every object the API server admits",
        ["sympoziumpolicies"] = "lets the run loosen the policy that governs it (e.g. allow host access)",
        ["sympoziuminstances"] = "lets the run point its instance at a laxer policy (spec.policyRef)",
    };

    /// <summary>Cluster-wide only: creating these starts a pod in any namespace, as any ServiceAccount of it (or mounts the host).</summary>
    private static readonly HashSet<string> WorkloadResources = new(
        ["pods", "deployments", "replicasets", "statefulsets", "daemonsets", "jobs", "cronjobs", "replicationcontrollers", "persistentvolumes"],
        StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The sidecar rules of a SkillPack: <c>spec.sidecar.rbac</c> (namespaced) and
    /// <c>spec.sidecar.clusterRBAC</c> (cluster-wide, only from <see cref="Defaults.SystemNamespace"/>).
    /// </summary>
    /// <param name="packNamespace">Where the SkillPack lives; null when unknown (cluster-wide rules are then refused).</param>
    public static IReadOnlyList<ValidationError> JudgeSkillPack(SkillSidecar? sidecar, string? packNamespace)
    {
        var errors = new List<ValidationError>();
        if (sidecar is null)
        {
            return errors;
        }

        Judge(sidecar.Rbac, "spec.sidecar.rbac", RbacScope.Namespaced, errors);
        if (sidecar.ClusterRBAC is { Count: > 0 } && packNamespace != Defaults.SystemNamespace)
        {
            errors.Add(new(
                "spec.sidecar.clusterRBAC",
                $"cluster-wide rules are granted only from SkillPacks in namespace {Defaults.SystemNamespace} (this one is in {packNamespace ?? "an unknown namespace"}); use spec.sidecar.rbac for rules in the run's namespace, or ask a cluster administrator to install the pack in {Defaults.SystemNamespace}"));
        }
        else
        {
            Judge(sidecar.ClusterRBAC, "spec.sidecar.clusterRBAC", RbacScope.Cluster, errors);
        }

        return errors;
    }

    /// <summary>The namespaced rules of lifecycle hooks, at <paramref name="path"/> (e.g. <c>spec.lifecycle</c>).</summary>
    public static IReadOnlyList<ValidationError> JudgeLifecycle(LifecycleHooks? lifecycle, string path)
    {
        var errors = new List<ValidationError>();
        Judge(lifecycle?.Rbac, path + ".rbac", RbacScope.Namespaced, errors);
        return errors;
    }

    /// <summary>Judges each rule of <paramref name="rules"/>, found at <paramref name="path"/>, for <paramref name="scope"/>.</summary>
    public static void Judge(IReadOnlyList<RbacRule>? rules, string path, RbacScope scope, List<ValidationError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        for (var i = 0; i < (rules?.Count ?? 0); i++)
        {
            JudgeRule(rules![i], $"{path}[{i}]", scope, errors);
        }
    }

    private static void JudgeRule(RbacRule rule, string path, RbacScope scope, List<ValidationError> errors)
    {
        var groups = rule.ApiGroups ?? [];
        var resources = rule.Resources ?? [];
        var verbs = rule.Verbs ?? [];
        if (groups.Count == 0)
        {
            errors.Add(new($"{path}.apiGroups", "list at least one API group (\"\" is the core group)"));
        }

        for (var j = 0; j < groups.Count; j++)
        {
            if (groups[j] is { } group && group.Contains('*', StringComparison.Ordinal))
            {
                errors.Add(new($"{path}.apiGroups[{j}]", $"\"{group}\" is a wildcard and would match every API group, including rbac.authorization.k8s.io; name the groups, e.g. \"\" (core) or \"apps\""));
            }
        }

        if (verbs.Count == 0)
        {
            errors.Add(new($"{path}.verbs", "list at least one verb, e.g. get, list, watch"));
        }

        for (var j = 0; j < verbs.Count; j++)
        {
            var verb = verbs[j] ?? "";
            if (verb.Contains('*', StringComparison.Ordinal))
            {
                errors.Add(new($"{path}.verbs[{j}]", $"\"{verb}\" is a wildcard and would include escalate, bind and impersonate; list the verbs the skill needs from {string.Join(", ", GrantableVerbs)}"));
            }
            else if (RefusedVerbs.TryGetValue(verb, out var why))
            {
                errors.Add(new($"{path}.verbs[{j}]", $"\"{verb}\" is never granted to a run: it {why}; remove it"));
            }
            else if (!GrantableVerbs.Contains(verb, StringComparer.Ordinal))
            {
                errors.Add(new($"{path}.verbs[{j}]", $"\"{verb}\" is not a Kubernetes verb; use {string.Join(", ", GrantableVerbs)}"));
            }
        }

        if (resources.Count == 0)
        {
            errors.Add(new($"{path}.resources", "list the resources the rule grants, e.g. pods"));
        }

        var writes = verbs.Where(v => v is not null && (WriteVerbs.Contains(v) || v.Contains('*', StringComparison.Ordinal))).Distinct(StringComparer.Ordinal).ToList();
        for (var j = 0; j < resources.Count; j++)
        {
            var resource = resources[j] ?? "";
            var where = $"{path}.resources[{j}]";
            if (string.IsNullOrWhiteSpace(resource))
            {
                errors.Add(new(where, "is empty; name a resource, e.g. pods"));
            }
            else if (resource.Contains('*', StringComparison.Ordinal))
            {
                errors.Add(new(where, $"\"{resource}\" is a wildcard and would include secrets, roles and rolebindings; name the resources the skill needs, e.g. pods, deployments"));
            }
            else if (RefusedResources.TryGetValue(resource, out var why))
            {
                errors.Add(new(where, $"\"{resource}\" is never granted to a run ({why}); remove it"));
            }
            else if (writes.Count > 0 && ReadOnlyResources.TryGetValue(resource, out var writeWhy))
            {
                errors.Add(new(where, $"\"{resource}\" with {Quoted(writes)} {writeWhy}; grant at most get, list, watch on it (in a rule of its own)"));
            }
            else if (scope == RbacScope.Cluster && writes.Count > 0 && WorkloadResources.Contains(resource))
            {
                errors.Add(new(where, $"\"{resource}\" with {Quoted(writes)} cluster-wide lets the run start pods in any namespace as that namespace's ServiceAccounts (or mount the host); grant it in spec.sidecar.rbac for the run's namespace, or grant only get, list, watch cluster-wide"));
            }
        }
    }

    private static string Quoted(IEnumerable<string> verbs) => string.Join(", ", verbs.Select(v => $"\"{v}\""));
}
