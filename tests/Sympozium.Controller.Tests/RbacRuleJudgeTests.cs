using Sympozium.Api.Kinds;
using Sympozium.Api.Validation;

namespace Sympozium.Controller.Tests;

/// <summary>
/// The RBAC judge shared by the webhook and the controller: each test is an attempt to turn a
/// SkillPack or lifecycle hook into more rights than it names (RbacEscalation risk).
/// </summary>
public class RbacRuleJudgeTests
{
    private static RbacRule Rule(string group, string resource, params string[] verbs) => new() { ApiGroups = [group], Resources = [resource], Verbs = [.. verbs] };

    private static List<ValidationError> Namespaced(params RbacRule[] rules)
    {
        var errors = new List<ValidationError>();
        RbacRuleJudge.Judge(rules, "spec.sidecar.rbac", RbacScope.Namespaced, errors);
        return errors;
    }

    private static List<ValidationError> ClusterWide(params RbacRule[] rules)
    {
        var errors = new List<ValidationError>();
        RbacRuleJudge.Judge(rules, "spec.sidecar.clusterRBAC", RbacScope.Cluster, errors);
        return errors;
    }

    [Fact]
    public void A_skillpack_asking_for_wildcard_verbs_is_refused()
    {
        var error = Assert.Single(Namespaced(Rule("", "pods", "get"), Rule("", "pods", "list", "*")));

        Assert.Equal("spec.sidecar.rbac[1].verbs[1]", error.Path);
        Assert.Contains("list the verbs the skill needs", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("*", "pods", "spec.sidecar.rbac[0].apiGroups[0]")]
    [InlineData("", "*", "spec.sidecar.rbac[0].resources[0]")]
    [InlineData("", "pods/*", "spec.sidecar.rbac[0].resources[0]")]
    [InlineData("*.k8s.io", "roles", "spec.sidecar.rbac[0].apiGroups[0]")]
    public void A_skillpack_asking_for_wildcard_groups_or_resources_is_refused(string group, string resource, string path)
    {
        Assert.Contains(Namespaced(Rule(group, resource, "get")), e => e.Path == path && e.Message.Contains("wildcard", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("escalate")]
    [InlineData("bind")]
    [InlineData("impersonate")]
    [InlineData("approve")]
    [InlineData("sign")]
    [InlineData("Escalate")]
    public void A_skillpack_asking_for_a_verb_that_lifts_rbac_limits_is_refused(string verb)
    {
        var error = Assert.Single(Namespaced(Rule("rbac.authorization.k8s.io", "clusterroles", "get", verb)));

        Assert.Equal("spec.sidecar.rbac[0].verbs[1]", error.Path);
        Assert.Contains("never granted to a run", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("secrets", "get")]
    [InlineData("secrets", "list")]
    [InlineData("Secrets", "watch")]
    [InlineData("serviceaccounts/token", "create")]
    [InlineData("pods/exec", "create")]
    [InlineData("pods/exec", "get")]
    [InlineData("pods/attach", "create")]
    [InlineData("pods/portforward", "create")]
    [InlineData("nodes/proxy", "get")]
    [InlineData("certificatesigningrequests/approval", "update")]
    [InlineData("certificatesigningrequests/status", "patch")]
    public void A_skillpack_reaching_credentials_or_other_pods_is_refused_whatever_the_verb(string resource, string verb)
    {
        var error = Assert.Single(Namespaced(Rule("", resource, verb)));

        Assert.Equal("spec.sidecar.rbac[0].resources[0]", error.Path);
        Assert.Contains("remove it", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rolebindings", "create")]
    [InlineData("clusterrolebindings", "create")]
    [InlineData("roles", "patch")]
    [InlineData("clusterroles", "update")]
    [InlineData("mutatingwebhookconfigurations", "delete")]
    [InlineData("validatingwebhookconfigurations", "patch")]
    [InlineData("pods/ephemeralcontainers", "patch")]
    [InlineData("sympoziumpolicies", "update")]
    [InlineData("sympoziuminstances", "patch")]
    public void A_skillpack_writing_rbac_admission_or_its_own_policy_is_refused(string resource, string verb)
    {
        var error = Assert.Single(Namespaced(Rule("rbac.authorization.k8s.io", resource, verb)));

        Assert.Equal("spec.sidecar.rbac[0].resources[0]", error.Path);
        Assert.Contains("grant at most get, list, watch", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reading_rbac_objects_is_allowed()
    {
        Assert.Empty(Namespaced(Rule("rbac.authorization.k8s.io", "rolebindings", "get", "list", "watch")));
    }

    [Theory]
    [InlineData("pods")]
    [InlineData("deployments")]
    [InlineData("daemonsets")]
    [InlineData("persistentvolumes")]
    public void A_cluster_wide_rule_creating_workloads_in_any_namespace_is_refused(string resource)
    {
        var error = Assert.Single(ClusterWide(Rule("apps", resource, "get", "create")));

        Assert.Equal("spec.sidecar.clusterRBAC[0].resources[0]", error.Path);
        Assert.Empty(Namespaced(Rule("apps", resource, "get", "create"))); // in the run's own namespace it is allowed
    }

    [Fact]
    public void Every_refusal_of_a_pack_is_reported_at_once_with_its_path()
    {
        var errors = Namespaced(Rule("*", "secrets", "*"), Rule("", "pods", "get"), Rule("", "rolebindings", "bind", "create"));

        Assert.Equal(
            ["spec.sidecar.rbac[0].apiGroups[0]", "spec.sidecar.rbac[0].verbs[0]", "spec.sidecar.rbac[0].resources[0]", "spec.sidecar.rbac[2].verbs[0]", "spec.sidecar.rbac[2].resources[0]"],
            errors.Select(e => e.Path));
    }

    [Fact]
    public void A_skillpack_in_a_team_namespace_asking_for_cluster_rbac_is_refused()
    {
        var sidecar = new SkillSidecar { Image = "x", ClusterRBAC = [Rule("", "nodes", "get")] };

        var error = Assert.Single(RbacRuleJudge.JudgeSkillPack(sidecar, "team-a"));

        Assert.Equal("spec.sidecar.clusterRBAC", error.Path);
        Assert.Contains("sympozium-system", error.Message, StringComparison.Ordinal);
        Assert.Empty(RbacRuleJudge.JudgeSkillPack(sidecar, "sympozium-system"));
    }

    [Fact]
    public void A_skillpack_in_sympozium_system_asking_for_cluster_wildcards_is_still_refused()
    {
        var sidecar = new SkillSidecar { Image = "x", ClusterRBAC = [Rule("*", "*", "*")] };

        Assert.Equal(3, RbacRuleJudge.JudgeSkillPack(sidecar, "sympozium-system").Count);
    }

    [Fact]
    public void Lifecycle_rules_are_judged_at_the_path_of_the_kind_that_holds_them()
    {
        var error = Assert.Single(RbacRuleJudge.JudgeLifecycle(new LifecycleHooks { Rbac = [Rule("", "secrets", "get")] }, "spec.agents.default.lifecycle"));

        Assert.Equal("spec.agents.default.lifecycle.rbac[0].resources[0]", error.Path);
    }
}
