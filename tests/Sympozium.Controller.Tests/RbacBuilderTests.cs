using Sympozium.Api.Kinds;
using Sympozium.Api.Meta;
using Sympozium.Controller.Builders;

namespace Sympozium.Controller.Tests;

/// <summary>Per-run RBAC: grants bound to the run's own ServiceAccount only (RbacIsolation risk).</summary>
public class RbacBuilderTests
{
    private static AgentRun Run(string ns = "team-a", Action<AgentRun>? change = null)
    {
        var run = new AgentRun
        {
            Metadata = new ObjectMeta { Name = "alice-run-1", Namespace = ns, Uid = "0d1f2e3c-0000-4000-8000-000000000001" },
            Spec = new AgentRunSpec { InstanceRef = "alice", AgentId = "primary", Task = "t", Model = new ModelSpec { Provider = "openai", Model = "gpt-4o" } },
        };
        change?.Invoke(run);
        return run;
    }

    private static ResolvedSidecar Pack(string name, List<RbacRule>? rbac = null, List<RbacRule>? clusterRbac = null, string packNamespace = "sympozium-system") =>
        new(name, new SkillSidecar { Image = $"ghcr.io/sympozium-ai/sympozium/skill-{name}:latest", Rbac = rbac, ClusterRBAC = clusterRbac }, new Dictionary<string, string>(), packNamespace);

    private static RbacRule Rule(string resource, params string[] verbs) => new() { ApiGroups = [""], Resources = [resource], Verbs = [.. verbs] };

    [Fact]
    public void Namespaced_and_cluster_rbac_of_a_skill_bind_only_the_runs_service_account()
    {
        var inputs = new AgentPodInputs
        {
            Run = Run(change: r => r.Spec.Lifecycle = new LifecycleHooks { Rbac = [Rule("configmaps", "get")] }),
            Sidecars = [Pack("k8s-ops", [Rule("pods", "get", "list")], [Rule("nodes", "get", "list")])],
        };

        var rbac = RbacBuilder.Build(inputs);

        Assert.True(rbac.IsValid);
        GoldenFile.AssertDocuments("rbac-skill-and-cluster",
        [
            GoldenFile.Node(rbac.ServiceAccount!),
            .. rbac.Roles.Select(GoldenFile.Node),
            .. rbac.RoleBindings.Select(GoldenFile.Node),
            .. rbac.ClusterRoles.Select(GoldenFile.Node),
            .. rbac.ClusterRoleBindings.Select(GoldenFile.Node),
        ]);
        Assert.Equal("sympozium-run-alice-run-1", rbac.ServiceAccount!.Metadata.Name);
        Assert.All(rbac.RoleBindings, b => Assert.Equal(("ServiceAccount", "sympozium-run-alice-run-1", "team-a"), (b.Subjects[0].Kind, b.Subjects[0].Name, b.Subjects[0].NamespaceProperty)));
        Assert.All(rbac.ClusterRoleBindings, b => Assert.Equal("sympozium-run-alice-run-1", Assert.Single(b.Subjects).Name));
        Assert.DoesNotContain(rbac.RoleBindings.SelectMany(b => b.Subjects).Concat(rbac.ClusterRoleBindings.SelectMany(b => b.Subjects)), s => s.Name == "sympozium-agent");
        Assert.Collection(
            rbac.Roles.Select(r => r.Metadata.Name),
            n => Assert.Matches("^sympozium-skill-k8s-ops-alice-run-1-[0-9a-f]{12}$", n),
            n => Assert.Matches("^sympozium-lifecycle-alice-run-1-[0-9a-f]{12}$", n));
        Assert.All(rbac.Roles.Select(r => r.Metadata).Concat(rbac.ClusterRoles.Select(r => r.Metadata)), m => Assert.Equal("0d1f2e3c-0000-4000-8000-000000000001", m.Labels["sympozium.ai/run-uid"]));
        Assert.Null(Assert.Single(rbac.ClusterRoles).Metadata.OwnerReferences);
        Assert.All(rbac.Roles, r => Assert.Equal("AgentRun", Assert.Single(r.Metadata.OwnerReferences).Kind));
    }

    [Fact]
    public void Cluster_names_include_the_namespace_so_same_named_runs_do_not_collide()
    {
        var a = RbacBuilder.Build(new AgentPodInputs { Run = Run("team-a"), Sidecars = [Pack("k8s-ops", clusterRbac: [Rule("nodes", "get")])] });
        var b = RbacBuilder.Build(new AgentPodInputs { Run = Run("team-b"), Sidecars = [Pack("k8s-ops", clusterRbac: [Rule("nodes", "get")])] });

        Assert.NotEqual(a.ClusterRoles[0].Metadata.Name, b.ClusterRoles[0].Metadata.Name);
        Assert.StartsWith("sympozium-skill-team-a-k8s-ops-alice-run-1-", a.ClusterRoles[0].Metadata.Name, StringComparison.Ordinal);
        Assert.Equal("team-a", a.ClusterRoles[0].Metadata.Labels["sympozium.ai/run-namespace"]);
        Assert.Equal("sympozium.ai/agent-run=alice-run-1,sympozium.ai/run-namespace=team-a,sympozium.ai/managed-by=sympozium", RbacBuilder.ClusterSelector("team-a", "alice-run-1"));
    }

    [Fact]
    public void Runs_whose_dashed_namespace_and_name_read_alike_cannot_share_a_cluster_grant()
    {
        // a-b/c and a/b-c (and pack x-y with run z vs pack x with run y-z) spell the same readable name.
        static RunRbac Grant(string ns, string name, string pack) => RbacBuilder.Build(new AgentPodInputs
        {
            Run = Run(ns, r => r.Metadata.Name = name),
            Sidecars = [Pack(pack, [Rule("pods", "get")], [Rule("nodes", "get")])],
        });

        var first = Grant("a-b", "c", "k");
        var second = Grant("a", "b-c", "k");
        var third = Grant("a", "z", "x-y");
        var fourth = Grant("a", "y-z", "x");

        Assert.NotEqual(first.ClusterRoles[0].Metadata.Name, second.ClusterRoles[0].Metadata.Name);
        Assert.NotEqual(first.ClusterRoleBindings[0].Metadata.Name, second.ClusterRoleBindings[0].Metadata.Name);
        Assert.NotEqual(third.Roles[0].Metadata.Name, fourth.Roles[0].Metadata.Name);
    }

    [Fact]
    public void A_recreated_run_of_the_same_name_gets_grants_of_its_own()
    {
        var before = RbacBuilder.Build(new AgentPodInputs { Run = Run(), Sidecars = [Pack("k8s-ops", clusterRbac: [Rule("nodes", "get")])] });
        var after = RbacBuilder.Build(new AgentPodInputs { Run = Run(change: r => r.Metadata.Uid = "0d1f2e3c-0000-4000-8000-000000000002"), Sidecars = [Pack("k8s-ops", clusterRbac: [Rule("nodes", "get")])] });

        Assert.NotEqual(before.ClusterRoles[0].Metadata.Name, after.ClusterRoles[0].Metadata.Name);
    }

    [Fact]
    public void Grant_names_and_labels_stay_within_kubernetes_limits_for_the_longest_pack_name()
    {
        var longPack = string.Join('.', Enumerable.Repeat(new string('p', 62), 4)); // 251 characters, a valid subdomain
        var rbac = RbacBuilder.Build(new AgentPodInputs
        {
            Run = Run(new string('n', 63), r => r.Metadata.Name = new string('r', 63)),
            Sidecars = [Pack(longPack, [Rule("pods", "get")], [Rule("nodes", "get")])],
        });

        Assert.True(rbac.IsValid);
        var metadata = rbac.Roles.Select(r => r.Metadata).Concat(rbac.RoleBindings.Select(r => r.Metadata)).Concat(rbac.ClusterRoles.Select(r => r.Metadata)).Concat(rbac.ClusterRoleBindings.Select(r => r.Metadata)).ToList();
        Assert.All(metadata, m => Assert.InRange(m.Name.Length, 1, 253));
        Assert.All(metadata, m => Assert.Matches("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", m.Name));
        Assert.All(metadata.SelectMany(m => m.Labels.Values), v => Assert.InRange(v.Length, 1, 63));
    }

    [Fact]
    public void A_run_whose_skills_need_no_api_gets_no_service_account_and_no_token()
    {
        var inputs = new AgentPodInputs { Run = Run(), Sidecars = [Pack("notes")] };

        var rbac = RbacBuilder.Build(inputs);
        var job = AgentPodBuilder.BuildJob(inputs);

        Assert.True(rbac.IsEmpty);
        Assert.False(job.Spec.Template.Spec.AutomountServiceAccountToken);
        Assert.Equal("sympozium-agent", job.Spec.Template.Spec.ServiceAccountName);
    }

    [Fact]
    public void Invalid_rules_are_reported_with_pack_field_and_fix_before_anything_is_created()
    {
        var inputs = new AgentPodInputs
        {
            Run = Run(),
            Sidecars = [Pack("broken", [new RbacRule { ApiGroups = [], Resources = ["pods"], Verbs = ["read"] }], [new RbacRule { ApiGroups = [""], Resources = [], Verbs = [] }])],
        };

        var rbac = RbacBuilder.Build(inputs);

        Assert.False(rbac.IsValid);
        Assert.True(rbac.IsEmpty);
        Assert.Equal(
            [
                "SkillPack sympozium-system/broken: spec.sidecar.rbac[0].apiGroups: list at least one API group (\"\" is the core group)",
                "SkillPack sympozium-system/broken: spec.sidecar.rbac[0].verbs[0]: \"read\" is not a Kubernetes verb; use get, list, watch, create, update, patch, delete, deletecollection, use",
                "SkillPack sympozium-system/broken: spec.sidecar.clusterRBAC[0].verbs: list at least one verb, e.g. get, list, watch",
                "SkillPack sympozium-system/broken: spec.sidecar.clusterRBAC[0].resources: list the resources the rule grants, e.g. pods",
            ],
            rbac.Errors);
    }

    [Fact]
    public void A_skillpack_asking_for_wildcard_verbs_is_refused_and_nothing_is_built()
    {
        var rbac = RbacBuilder.Build(new AgentPodInputs { Run = Run(), Sidecars = [Pack("greedy", [Rule("pods", "get"), Rule("configmaps", "*")])] });

        Assert.True(rbac.IsEmpty);
        Assert.Empty(rbac.Roles);
        var error = Assert.Single(rbac.Errors);
        Assert.StartsWith("SkillPack sympozium-system/greedy: spec.sidecar.rbac[1].verbs[0]: \"*\" is a wildcard", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_skillpack_outside_sympozium_system_asking_for_cluster_rbac_is_refused()
    {
        var rbac = RbacBuilder.Build(new AgentPodInputs { Run = Run(), Sidecars = [Pack("nodes-reader", clusterRbac: [Rule("nodes", "get")], packNamespace: "team-a")] });

        Assert.Empty(rbac.ClusterRoles);
        var error = Assert.Single(rbac.Errors);
        Assert.StartsWith("SkillPack team-a/nodes-reader: spec.sidecar.clusterRBAC: cluster-wide rules are granted only from SkillPacks in namespace sympozium-system", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sidecar_whose_pack_namespace_is_unknown_gets_no_cluster_rbac()
    {
        var unknown = new ResolvedSidecar("nodes-reader", new SkillSidecar { Image = "x", ClusterRBAC = [Rule("nodes", "get")] }, new Dictionary<string, string>());

        Assert.False(RbacBuilder.Build(new AgentPodInputs { Run = Run(), Sidecars = [unknown] }).IsValid);
    }

    [Fact]
    public void A_lifecycle_hook_asking_for_secrets_is_refused_naming_the_run_and_field()
    {
        var rbac = RbacBuilder.Build(new AgentPodInputs { Run = Run(change: r => r.Spec.Lifecycle = new LifecycleHooks { Rbac = [Rule("secrets", "get")] }) });

        Assert.True(rbac.IsEmpty);
        Assert.StartsWith("AgentRun team-a/alice-run-1: spec.lifecycle.rbac[0].resources[0]: \"secrets\" is never granted to a run", Assert.Single(rbac.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Server_only_sidecars_get_no_rbac_in_task_mode()
    {
        var serverOnly = new ResolvedSidecar("web-endpoint", new SkillSidecar { Image = "web-proxy", RequiresServer = true, Rbac = [Rule("pods", "get")] }, new Dictionary<string, string>());

        Assert.True(RbacBuilder.Build(new AgentPodInputs { Run = Run(), Sidecars = [serverOnly] }).IsEmpty);
    }
}
