using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;
using Sympozium.Controller.Reconcilers;
using Sympozium.Controller.Tests.Support;

namespace Sympozium.Controller.Tests;

/// <summary>
/// What the controller keeps of docs/design/admission.md#host-access: a SkillPack can appear or
/// change after the run that mounts it was admitted, so the controller judges host access again,
/// with the same rule and the same governing policy as the webhook, before it builds the pod.
/// The real controller process, no webhook in front of it.
/// </summary>
[Collection(ControllerProcessGroup.Name)]
public sealed class PolicyBypassTests(ControllerProcessFixture fixture)
{
    private const string Ns = "default";

    [Fact]
    public async Task A_SkillPack_made_privileged_after_admission_fails_the_run_before_any_pod_exists()
    {
        if (await fixture.Clients.Instances.GetAsync(Ns, "bypass") is null)
        {
            await fixture.Clients.Instances.CreateAsync(Ns, new SympoziumInstance
            {
                Metadata = { Name = "bypass", Namespace = Ns },
                Spec = { Agents = { Default = { Model = "gpt-4o" } } },
            });
        }

        await fixture.Clients.SkillPacks.CreateAsync(Ns, new SkillPack
        {
            Metadata = { Name = "late-privileged", Namespace = Ns },
            Spec =
            {
                Skills = [new Skill { Name = "debug", Content = "Debug the node." }],
                Sidecar = new SkillSidecar { Image = "busybox", HostAccess = new HostAccess { Enabled = true, Privileged = true, Mounts = [new HostMount { HostPath = "/", MountPath = "/host" }] } },
            },
        });
        await fixture.Clients.Runs.CreateAsync(Ns, new AgentRun
        {
            Metadata = { Name = "escape", Namespace = Ns },
            Spec =
            {
                InstanceRef = "bypass",
                AgentId = "primary",
                SessionKey = "s-escape",
                Task = "succeed:never",
                Skills = [new SkillRef { SkillPackRef = "late-privileged" }],
                Model = { Provider = "openai", Model = "gpt-4o", AuthSecretRef = "" },
            },
        });

        var run = await fixture.EventuallyAsync(() => fixture.Clients.Runs.GetAsync(Ns, "escape"), r => AgentRunReconciler.IsTerminal(r.Status?.Phase), "run escape finished");

        Assert.Equal("Failed", run.Status!.Phase);
        Assert.Contains("SkillPack late-privileged requests host access (privileged, mount /), which escapes the pod's isolation", run.Status.Error, StringComparison.Ordinal);
        Assert.Null(await fixture.Clients.Jobs.GetAsync(Ns, "escape"));
    }

    [Fact]
    public async Task A_run_of_an_instance_naming_no_policy_waits_while_its_namespace_has_two_defaults()
    {
        const string ns = "two-defaults";
        await CreateNamespaceAsync(ns);
        foreach (var name in new[] { "rules-a", "rules-b" })
        {
            await fixture.Clients.Policies.CreateAsync(ns, new SympoziumPolicy { Metadata = { Name = name, Namespace = ns, Labels = new() { [Labels.DefaultPolicy] = "true" } } });
        }

        await fixture.Clients.Instances.CreateAsync(ns, new SympoziumInstance { Metadata = { Name = "assistant", Namespace = ns }, Spec = { Agents = { Default = { Model = "gpt-4o" } } } });
        await fixture.Clients.Runs.CreateAsync(ns, new AgentRun
        {
            Metadata = { Name = "ambiguous", Namespace = ns },
            Spec = { InstanceRef = "assistant", AgentId = "primary", SessionKey = "s", Task = "succeed:never", Model = { Provider = "openai", Model = "gpt-4o", AuthSecretRef = "" } },
        });

        var waiting = await fixture.EventuallyAsync(
            () => fixture.Clients.Runs.GetAsync(ns, "ambiguous"),
            r => r.Status?.Conditions?.Any(c => c is { Type: "Waiting", Status: "True", Reason: "PolicyConflict" }) == true,
            "run ambiguous waits for one default policy");
        Assert.Contains("namespace two-defaults has more than one default SympoziumPolicy (rules-a, rules-b", waiting.Status!.Conditions!.Single(c => c.Type == "Waiting").Message, StringComparison.Ordinal);
        Assert.Null(await fixture.Clients.Jobs.GetAsync(ns, "ambiguous"));
    }

    private async Task CreateNamespaceAsync(string name)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/namespaces", UriKind.Relative))
        {
            Content = new StringContent($$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{name}}}"}}""", System.Text.Encoding.UTF8, "application/json"),
        };
        using var response = await fixture.Clients.Connection.SendAsync(request, HttpCompletionOption.ResponseContentRead, CancellationToken.None);
        Assert.True(response.IsSuccessStatusCode || response.StatusCode == System.Net.HttpStatusCode.Conflict, $"namespace {name}: {(int)response.StatusCode}");
    }
}
