using System.Net;
using System.Text.Json.Nodes;
using Sympozium.E2E.Local.Tests.Support;

namespace Sympozium.E2E.Local.Tests;

/// <summary>
/// RBAC cannot escalate through the installed control plane: the webhook refuses SkillPacks whose
/// rules could grant more than they name, and cluster-wide rules from packs outside
/// sympozium-system, before they are stored. A pack cannot be made dangerous after admission
/// either (the webhook judges updates the same way), so the controller's own judgement at run
/// start — for packs stored before the webhook was installed, or with no webhook — is tested
/// against the local cluster without a webhook in tests/Sympozium.Controller.Tests
/// (RbacRevocationTests).
/// </summary>
[Collection(SharedControlPlane.Name)]
public sealed class RbacEscalationTests(LocalControlPlaneFixture fixture)
{
    private const string Ns = "team-rbac";

    [Fact]
    public async Task A_skillpack_asking_for_wildcard_verbs_is_refused_by_the_installed_webhook()
    {
        await fixture.EnsureNamespaceAsync(Ns);

        var (status, message) = await CreatePackAsync(Ns, Pack("greedy", Ns, "rbac", "pods", "get", "*"));

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("admission webhook \"vagentpod.sympozium.ai\" denied the request: SkillPack team-rbac/greedy: spec.sidecar.rbac[0].verbs[1]: \"*\" is a wildcard", message, StringComparison.Ordinal);
        Assert.Null(await fixture.Api.GetAsync($"/apis/sympozium.ai/v1alpha1/namespaces/{Ns}/skillpacks/greedy"));
    }

    [Fact]
    public async Task A_skillpack_with_cluster_rbac_outside_sympozium_system_is_refused_by_the_installed_webhook()
    {
        await fixture.EnsureNamespaceAsync(Ns);

        var (status, message) = await CreatePackAsync(Ns, Pack("nodes-reader", Ns, "clusterRBAC", "nodes", "get", "list"));

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("SkillPack team-rbac/nodes-reader: spec.sidecar.clusterRBAC: cluster-wide rules are granted only from SkillPacks in namespace sympozium-system", message, StringComparison.Ordinal);
        Assert.Null(await fixture.Api.GetAsync($"/apis/sympozium.ai/v1alpha1/namespaces/{Ns}/skillpacks/nodes-reader"));
    }

    [Fact]
    public async Task An_admitted_skillpack_cannot_be_made_to_escalate_by_an_update()
    {
        var system = LocalControlPlaneFixture.SystemNamespace;
        var (created, createMessage) = await CreatePackAsync(system, Pack("e2e-nodes-reader", system, "clusterRBAC", "nodes", "get", "list"));
        Assert.True(created == HttpStatusCode.Created, $"the read-only pack was not admitted: {(int)created} {createMessage}");

        var pack = (await fixture.Api.GetAsync($"/apis/sympozium.ai/v1alpha1/namespaces/{system}/skillpacks/e2e-nodes-reader"))!;
        pack["spec"]!["sidecar"]!["clusterRBAC"] = new JsonArray(Rule("rolebindings", "rbac.authorization.k8s.io", "create", "bind"));
        var (status, body) = await fixture.Api.SendAsync(HttpMethod.Put, $"/apis/sympozium.ai/v1alpha1/namespaces/{system}/skillpacks/e2e-nodes-reader", pack);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        var message = JsonNode.Parse(body)?["message"]?.ToString() ?? body;
        Assert.Contains("SkillPack sympozium-system/e2e-nodes-reader: spec.sidecar.clusterRBAC[0].verbs[1]: \"bind\" is never granted to a run", message, StringComparison.Ordinal);
        Assert.Contains("spec.sidecar.clusterRBAC[0].resources[0]: \"rolebindings\" with \"create\"", message, StringComparison.Ordinal);
        var stored = await fixture.Api.GetAsync($"/apis/sympozium.ai/v1alpha1/namespaces/{system}/skillpacks/e2e-nodes-reader");
        Assert.Equal("nodes", stored!["spec"]!["sidecar"]!["clusterRBAC"]![0]!["resources"]![0]!.ToString());
    }

    private async Task<(HttpStatusCode Status, string Message)> CreatePackAsync(string ns, JsonObject pack)
    {
        var (status, body) = await fixture.Api.CreateAsync($"/apis/sympozium.ai/v1alpha1/namespaces/{ns}/skillpacks", pack);
        return (status, status == HttpStatusCode.Created ? body : JsonNode.Parse(body)?["message"]?.ToString() ?? body);
    }

    private static JsonObject Rule(string resource, string group, params string[] verbs) => new()
    {
        ["apiGroups"] = new JsonArray(group),
        ["resources"] = new JsonArray(resource),
        ["verbs"] = new JsonArray([.. verbs.Select(v => (JsonNode)v)]),
    };

    private static JsonObject Pack(string name, string ns, string rbacField, string resource, params string[] verbs) => new()
    {
        ["apiVersion"] = "sympozium.ai/v1alpha1",
        ["kind"] = "SkillPack",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["spec"] = new JsonObject
        {
            ["skills"] = new JsonArray(new JsonObject { ["name"] = "ops", ["content"] = "Operate the cluster." }),
            ["sidecar"] = new JsonObject
            {
                ["image"] = "ghcr.io/example/kubectl:1",
                [rbacField] = new JsonArray(Rule(resource, "", verbs)),
            },
        },
    };
}
