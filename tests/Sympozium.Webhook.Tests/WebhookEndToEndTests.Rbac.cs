namespace Sympozium.Webhook.Tests;

// RBAC escalation through the real webhook over HTTPS (the local cluster calls it through the
// shipped configurations): kubectl sees the refusal, naming the pack, the field and the fix.
public sealed partial class WebhookEndToEndTests
{
    private static string RbacPackYaml(string name, string ns, string rbacField, string verbs) => $"""
        apiVersion: sympozium.ai/v1alpha1
        kind: SkillPack
        metadata:
          name: {name}
          namespace: {ns}
        spec:
          skills:
            - name: ops
              content: Operate the cluster.
          sidecar:
            image: ghcr.io/example/kubectl:1
            {rbacField}:
              - apiGroups: [""]
                resources: [nodes]
                verbs: [{verbs}]
        """;

    /// <summary>Starts the webhook and applies the shipped configurations; returns once both carry its CA.</summary>
    private async Task InstallWebhookAsync()
    {
        await StartWebhookAsync();
        var manifest = await File.ReadAllTextAsync(Path.Combine(TestObjects.RepoRoot, "deploy", "control-plane", "webhook.yaml"));
        var configurations = Sympozium.Api.Serialization.YamlJson.ParseDocuments(manifest).Where(d => d["kind"]!.GetValue<string>().EndsWith("WebhookConfiguration", StringComparison.Ordinal)).ToList();
        var applied = await KubectlAsync(Sympozium.Api.Serialization.YamlJson.WriteDocuments(configurations), "apply", "-f", "-");
        Assert.True(applied.ExitCode == 0, applied.Stderr);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await GetAsync("/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/sympozium-webhook"))?["webhooks"]?[0]?["clientConfig"]?["caBundle"] is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the validating configuration never got a caBundle");
            await Task.Delay(100);
        }
    }

    [KubectlFact]
    public async Task Kubectl_is_refused_a_skillpack_asking_for_wildcard_verbs_or_team_cluster_rbac_and_admitted_a_read_only_one()
    {
        await InstallWebhookAsync();
        await PostAsync("/api/v1/namespaces", new System.Text.Json.Nodes.JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = "team-a" } });

        var wildcard = await KubectlAsync(RbacPackYaml("greedy", Ns, "rbac", "\"*\""), "apply", "-f", "-");
        Assert.NotEqual(0, wildcard.ExitCode);
        Assert.Contains("denied the request: SkillPack sympozium-system/greedy: spec.sidecar.rbac[0].verbs[0]: \"*\" is a wildcard", wildcard.Stderr, StringComparison.Ordinal);
        Assert.Null(await GetAsync($"/apis/sympozium.ai/v1alpha1/namespaces/{Ns}/skillpacks/greedy"));

        var teamCluster = await KubectlAsync(RbacPackYaml("nodes-reader", "team-a", "clusterRBAC", "get, list"), "apply", "-f", "-");
        Assert.NotEqual(0, teamCluster.ExitCode);
        Assert.Contains("SkillPack team-a/nodes-reader: spec.sidecar.clusterRBAC: cluster-wide rules are granted only from SkillPacks in namespace sympozium-system", teamCluster.Stderr, StringComparison.Ordinal);
        Assert.Null(await GetAsync("/apis/sympozium.ai/v1alpha1/namespaces/team-a/skillpacks/nodes-reader"));

        var readOnly = await KubectlAsync(RbacPackYaml("nodes-reader", Ns, "clusterRBAC", "get, list"), "apply", "-f", "-");
        Assert.True(readOnly.ExitCode == 0, readOnly.Stderr);

        // Turning the admitted pack dangerous is refused like creating it so.
        var escalated = await KubectlAsync(RbacPackYaml("nodes-reader", Ns, "clusterRBAC", "get, escalate"), "apply", "-f", "-");
        Assert.NotEqual(0, escalated.ExitCode);
        Assert.Contains("spec.sidecar.clusterRBAC[0].verbs[1]: \"escalate\" is never granted to a run", escalated.Stderr, StringComparison.Ordinal);
        await StopWebhookAsync();
    }
}
