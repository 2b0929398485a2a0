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

    private static ResolvedSidecar Pack(string name, List<RbacRule>? rbac = null, List<RbacRule>? clusterRbac = null) =>
        new(name, new SkillSidecar { Image = $"ghcr.io/sympozium-ai/sympozium/skill-{name}:latest", Rbac = rbac, ClusterRBAC = clusterRbac }, new Dictionary<string, string>());

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
        Assert.Equal(["sympozium-skill-k8s-ops-alice-run-1", "sympozium-lifecycle-alice-run-1"], rbac.Roles.Select(r => r.Metadata.Name));
        Assert.Null(Assert.Single(rbac.ClusterRoles).Metadata.OwnerReferences);
        Assert.All(rbac.Roles, r => Assert.Equal("AgentRun", Assert.Single(r.Metadata.OwnerReferences).Kind));
    }

    [Fact]
    public void Cluster_names_include_the_namespace_so_same_named_runs_do_not_collide()
    {
        var a = RbacBuilder.Build(new AgentPodInputs { Run = Run("team-a"), Sidecars = [Pack("k8s-ops", clusterRbac: [Rule("nodes", "get")])] });
        var b = RbacBuilder.Build(new AgentPodInputs { Run = Run("team-b"), Sidecars = [Pack("k8s-ops", clusterRbac: [Rule("nodes", "get")])] });

        Assert.NotEqual(a.ClusterRoles[0].Metadata.Name, b.ClusterRoles[0].Metadata.Name);
        Assert.Equal("sympozium-skill-team-a-k8s-ops-alice-run-1", a.ClusterRoles[0].Metadata.Name);
        Assert.Equal("team-a", a.ClusterRoles[0].Metadata.Labels["sympozium.ai/run-namespace"]);
        Assert.Equal("sympozium.ai/agent-run=alice-run-1,sympozium.ai/run-namespace=team-a,sympozium.ai/managed-by=sympozium", RbacBuilder.ClusterSelector("team-a", "alice-run-1"));
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
        Assert.Equal(
            [
                "SkillPack broken: spec.sidecar.rbac[0].apiGroups: list at least one API group (\"\" is the core group)",
                "SkillPack broken: spec.sidecar.rbac[0].verbs: \"read\" is not a Kubernetes verb; use get, list, watch, create, update, patch, delete, deletecollection, impersonate, bind, escalate, use, approve, sign, *",
                "SkillPack broken: spec.sidecar.clusterRBAC[0].resources: list the resources the rule grants, e.g. pods",
                "SkillPack broken: spec.sidecar.clusterRBAC[0].verbs: list at least one verb, e.g. get, list, watch",
            ],
            rbac.Errors);
    }

    [Fact]
    public void Server_only_sidecars_get_no_rbac_in_task_mode()
    {
        var serverOnly = new ResolvedSidecar("web-endpoint", new SkillSidecar { Image = "web-proxy", RequiresServer = true, Rbac = [Rule("pods", "get")] }, new Dictionary<string, string>());

        Assert.True(RbacBuilder.Build(new AgentPodInputs { Run = Run(), Sidecars = [serverOnly] }).IsEmpty);
    }
}
