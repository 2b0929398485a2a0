using System.Text.Json;
using System.Text.Json.Nodes;
using Sympozium.Api.Kinds;
using Sympozium.Api.Serialization;
using Sympozium.Webhook.Admission;
using static Sympozium.Webhook.Tests.TestObjects;

namespace Sympozium.Webhook.Tests;

/// <summary>
/// The validating webhook refuses RBAC that could escalate, whatever the policy (or without one):
/// each test is an attempt to get more rights through a SkillPack or lifecycle hooks
/// (RbacEscalation risk). The denial names the object, the field and the fix.
/// </summary>
public sealed class RbacAdmissionTests
{
    private static RbacRule Rule(string resource, params string[] verbs) => new() { ApiGroups = [""], Resources = [resource], Verbs = [.. verbs] };

    private static SkillPack Pack(string ns, List<RbacRule>? rbac = null, List<RbacRule>? clusterRbac = null) => new()
    {
        Metadata = { Name = "k8s-ops", Namespace = ns },
        Spec =
        {
            Skills = [new Skill { Name = "ops", Content = "Operate the cluster." }],
            Sidecar = new SkillSidecar { Image = "ghcr.io/example/kubectl:1", Rbac = rbac, ClusterRBAC = clusterRbac },
        },
    };

    private static JsonObject Json(SkillPack pack) => JsonSerializer.SerializeToNode(pack, SympoziumJsonContext.Default.SkillPack)!.AsObject();

    private static Task<AdmissionResponse> ValidateAsync(string kind, JsonObject obj, string ns, string operation = "CREATE", JsonObject? old = null)
    {
        var request = Request(kind, obj, operation, old);
        request.Namespace = ns;
        return new AdmissionController(new FakeCluster(), new RecordedDenials()).ValidateAsync(request, default);
    }

    [Fact]
    public async Task A_skillpack_asking_for_wildcard_verbs_is_refused()
    {
        var response = await ValidateAsync("SkillPack", Json(Pack(Ns, [Rule("pods", "get"), Rule("configmaps", "*")])), Ns);

        Assert.False(response.Allowed);
        Assert.Equal(403, response.Status!.Code);
        Assert.StartsWith("SkillPack team-a/k8s-ops: spec.sidecar.rbac[1].verbs[0]: \"*\" is a wildcard", response.Status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_skillpack_outside_sympozium_system_asking_for_cluster_rbac_is_refused()
    {
        var response = await ValidateAsync("SkillPack", Json(Pack(Ns, clusterRbac: [Rule("nodes", "get")])), Ns);

        Assert.False(response.Allowed);
        Assert.StartsWith("SkillPack team-a/k8s-ops: spec.sidecar.clusterRBAC: cluster-wide rules are granted only from SkillPacks in namespace sympozium-system", response.Status!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_skillpack_in_sympozium_system_with_read_only_cluster_rules_is_admitted()
    {
        var pack = Pack("sympozium-system", [Rule("pods", "get", "list", "watch")], [Rule("nodes", "get", "list")]);

        var response = await ValidateAsync("SkillPack", Json(pack), "sympozium-system");

        Assert.True(response.Allowed, response.Status?.Message);
    }

    [Fact]
    public async Task A_skillpack_updated_to_read_secrets_is_refused()
    {
        var before = Json(Pack(Ns, [Rule("pods", "get")]));
        var after = Json(Pack(Ns, [Rule("pods", "get"), Rule("secrets", "get", "list")]));

        var response = await ValidateAsync("SkillPack", after, Ns, "UPDATE", before);

        Assert.False(response.Allowed);
        Assert.Contains("spec.sidecar.rbac[1].resources[0]: \"secrets\" is never granted to a run", response.Status!.Message, StringComparison.Ordinal);
        Assert.Contains("spec.sidecar.secretRef", response.Status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_skillpack_binding_itself_to_cluster_admin_reports_every_refused_field_at_once()
    {
        var pack = Pack("sympozium-system", clusterRbac: [new RbacRule { ApiGroups = ["rbac.authorization.k8s.io"], Resources = ["clusterrolebindings"], Verbs = ["create", "bind", "escalate"] }]);

        var response = await ValidateAsync("SkillPack", Json(pack), "sympozium-system");

        Assert.False(response.Allowed);
        Assert.Equal(
            ["spec.sidecar.clusterRBAC[0].verbs[1]", "spec.sidecar.clusterRBAC[0].verbs[2]", "spec.sidecar.clusterRBAC[0].resources[0]"],
            response.Status!.Message!.Split('\n').Select(l => l.Split(": ")[1]));
    }

    [Fact]
    public async Task An_agent_run_whose_lifecycle_hooks_ask_to_impersonate_is_refused_even_without_a_policy()
    {
        var run = Run(configure: r => r.Lifecycle = new LifecycleHooks { Rbac = [Rule("serviceaccounts", "impersonate")] });

        var response = await ValidateAsync("AgentRun", TestObjects.Json(run), Ns);

        Assert.False(response.Allowed);
        Assert.StartsWith("AgentRun team-a/r1: spec.lifecycle.rbac[0].verbs[0]: \"impersonate\" is never granted to a run", response.Status!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_instance_whose_default_lifecycle_minting_tokens_is_refused()
    {
        var instance = Instance(policyRef: null, configure: i => i.Agents.Default.Lifecycle = new LifecycleHooks { Rbac = [Rule("serviceaccounts/token", "create")] });

        var response = await ValidateAsync("SympoziumInstance", TestObjects.Json(instance), Ns);

        Assert.False(response.Allowed);
        Assert.StartsWith("SympoziumInstance team-a/assistant: spec.agents.default.lifecycle.rbac[0].resources[0]", response.Status!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_persona_pack_whose_persona_execs_into_pods_is_refused()
    {
        var pack = new PersonaPack
        {
            Metadata = { Name = "ops-team", Namespace = Ns },
            Spec =
            {
                Personas =
                [
                    new Persona { Name = "analyst", SystemPrompt = "You analyse." },
                    new Persona { Name = "fixer", SystemPrompt = "You fix.", Lifecycle = new LifecycleHooks { Rbac = [Rule("pods/exec", "create")] } },
                ],
            },
        };

        var response = await ValidateAsync("PersonaPack", JsonSerializer.SerializeToNode(pack, SympoziumJsonContext.Default.PersonaPack)!.AsObject(), Ns);

        Assert.False(response.Allowed);
        Assert.StartsWith("PersonaPack team-a/ops-team: spec.personas[1].lifecycle.rbac[0].resources[0]: \"pods/exec\"", response.Status!.Message, StringComparison.Ordinal);
    }
}
