using System.Net;
using System.Text.Json.Nodes;
using Sympozium.Api.Serialization;
using Sympozium.E2E.Local.Tests.Support;

namespace Sympozium.E2E.Local.Tests;

/// <summary>
/// Attempts to get out from under a policy through the installed control plane
/// (docs/design/admission.md#which-policy-governs, #policyref-is-fixed, #host-access): the API
/// server calls the real webhook, and the controller derives its NetworkPolicies from the same
/// governing policy. Each test works in a namespace of its own, so a default policy here never
/// governs another test's instances.
/// </summary>
[Collection(SharedControlPlane.Name)]
public sealed class PolicyBypassTests(LocalControlPlaneFixture fixture)
{
    private static readonly TimeSpan ControllerTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task An_instance_dropping_its_policyRef_is_denied_with_the_reason()
    {
        const string ns = "bypass-ref";
        await fixture.EnsureNamespaceAsync(ns);
        await CreateAsync(ns, "sympoziumpolicies", Restrictive(ns));
        await CreateAsync(ns, "sympoziuminstances", Instance(ns, "locked", policy: "restrictive"));

        // kubectl edit: read the instance, take the policyRef out, write it back.
        var path = $"/apis/sympozium.ai/v1alpha1/namespaces/{ns}/sympoziuminstances/locked";
        var instance = (await fixture.Api.GetAsync(path))!;
        instance["spec"]!.AsObject().Remove("policyRef");
        var (status, body) = await fixture.Api.SendAsync(HttpMethod.Put, path, instance);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains(
            "admission webhook \"vagentpod.sympozium.ai\" denied the request: SympoziumInstance bypass-ref/locked violates SympoziumPolicy restrictive: "
            + "spec.policyRef \"restrictive\" cannot be removed: the instance is governed by SympoziumPolicy restrictive; "
            + "a policy binding is fixed for the life of the instance; to move it to another policy, delete the instance and create it again",
            Message(body),
            StringComparison.Ordinal);
        Assert.Equal("restrictive", (await fixture.Api.GetAsync(path))!["spec"]!["policyRef"]!.ToString());
    }

    [Fact]
    public async Task A_namespace_default_policy_governs_an_instance_naming_none_and_a_run_violating_it_is_denied()
    {
        const string ns = "bypass-default";
        await fixture.EnsureNamespaceAsync(ns);
        var policy = Restrictive(ns);
        policy["metadata"]!["labels"] = new JsonObject { ["sympozium.ai/default-policy"] = "true" };
        await CreateAsync(ns, "sympoziumpolicies", policy);
        await CreateAsync(ns, "sympoziuminstances", Instance(ns, "unnamed", policy: null));

        var violating = Run(ns, "writer", "unnamed");
        violating["spec"]!["toolPolicy"] = new JsonObject { ["allow"] = new JsonArray("read_file", "write_file") };
        var (status, body) = await fixture.Api.CreateAsync($"/apis/sympozium.ai/v1alpha1/namespaces/{ns}/agentruns", violating);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains(
            "AgentRun bypass-default/writer violates SympoziumPolicy restrictive (the default of namespace bypass-default): tool \"write_file\" is denied by policy",
            Message(body),
            StringComparison.Ordinal);

        // The controller agrees on who governs: the default's NetworkPolicy isolates the instance's pods.
        var networkPolicy = await fixture.WaitForAsync(
            ns,
            "the NetworkPolicy of instance unnamed under the namespace default",
            ControllerTimeout,
            () => fixture.Api.GetAsync($"/apis/networking.k8s.io/v1/namespaces/{ns}/networkpolicies/sympozium-agent-unnamed"));
        Assert.Equal("restrictive", networkPolicy["metadata"]?["labels"]?["sympozium.ai/policy"]?.ToString());

        // And a second default, which would leave the instance without one answer, is refused.
        var second = Restrictive(ns);
        second["metadata"]!["name"] = "also-default";
        second["metadata"]!["labels"] = new JsonObject { ["sympozium.ai/default-policy"] = "true" };
        (status, body) = await fixture.Api.CreateAsync($"/apis/sympozium.ai/v1alpha1/namespaces/{ns}/sympoziumpolicies", second);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("namespace bypass-default has more than one default SympoziumPolicy (also-default, restrictive", Message(body), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_privileged_or_seccomp_Unconfined_setting_is_refused_and_an_unknown_hostNetwork_is_never_stored()
    {
        const string ns = "bypass-host";
        await fixture.EnsureNamespaceAsync(ns);
        await CreateAsync(ns, "sympoziuminstances", Instance(ns, "plain", policy: null));
        await CreateAsync(ns, "skillpacks", YamlJson.Parse($"""
            apiVersion: sympozium.ai/v1alpha1
            kind: SkillPack
            metadata:
              name: node-root
              namespace: {ns}
            spec:
              skills:
                - name: root
                  content: Inspect the node.
              sidecar:
                image: busybox
                hostAccess:
                  enabled: true
                  privileged: true
                  mounts:
                    - hostPath: /
                      mountPath: /host
            """).AsObject());

        var unconfined = Run(ns, "unconfined", "plain");
        unconfined["spec"]!["sandbox"] = new JsonObject
        {
            ["enabled"] = true,
            ["securityContext"] = new JsonObject { ["seccompProfile"] = new JsonObject { ["type"] = "Unconfined" } },
        };
        var (status, body) = await fixture.Api.CreateAsync($"/apis/sympozium.ai/v1alpha1/namespaces/{ns}/agentruns", unconfined);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("AgentRun bypass-host/unconfined: spec.sandbox.securityContext.seccompProfile.type asks for seccomp Unconfined, which escapes the pod's isolation", Message(body), StringComparison.Ordinal);

        var privileged = Run(ns, "privileged", "plain");
        privileged["spec"]!["skills"] = new JsonArray(new JsonObject { ["skillPackRef"] = "node-root" });
        (status, body) = await fixture.Api.CreateAsync($"/apis/sympozium.ai/v1alpha1/namespaces/{ns}/agentruns", privileged);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("AgentRun bypass-host/privileged: SkillPack node-root requests host access (privileged, mount /)", Message(body), StringComparison.Ordinal);

        // A setting the types do not have at all never gets stored: the API server prunes the
        // unknown field (as a real one does) before admission, so no pod can be built from it.
        var hostNetwork = Run(ns, "host-network", "plain");
        hostNetwork["spec"]!["hostNetwork"] = true;
        (status, body) = await fixture.Api.CreateAsync($"/apis/sympozium.ai/v1alpha1/namespaces/{ns}/agentruns", hostNetwork);
        Assert.True(status == HttpStatusCode.Created, $"{(int)status} {body}");
        var stored = await fixture.Api.GetAsync($"/apis/sympozium.ai/v1alpha1/namespaces/{ns}/agentruns/host-network");
        Assert.NotNull(stored);
        Assert.Null(stored["spec"]!["hostNetwork"]);
    }

    private static string Message(string body) => (JsonNode.Parse(body) as JsonObject)?["message"]?.ToString() ?? body;

    private async Task CreateAsync(string ns, string resource, JsonObject body)
    {
        var (status, response) = await fixture.Api.CreateAsync($"/apis/sympozium.ai/v1alpha1/namespaces/{ns}/{resource}", body);
        Assert.True(status == HttpStatusCode.Created, $"creating {resource} {body["metadata"]?["name"]}: {(int)status} {response}");
    }

    /// <summary>The shipped restrictive preset, moved into <paramref name="ns"/> without its labels.</summary>
    private static JsonObject Restrictive(string ns)
    {
        var policy = YamlJson.Parse(File.ReadAllText(Path.Combine(LocalControlPlaneFixture.RepoRoot, "deploy", "policies", "restrictive.yaml"))).AsObject();
        policy["metadata"]!["namespace"] = ns;
        policy["metadata"]!.AsObject().Remove("labels");
        return policy;
    }

    private static JsonObject Instance(string ns, string name, string? policy)
    {
        var spec = new JsonObject { ["agents"] = new JsonObject { ["default"] = new JsonObject { ["model"] = "scripted", ["baseURL"] = "http://127.0.0.1:9/v1" } } };
        if (policy is not null)
        {
            spec["policyRef"] = policy;
        }

        return new JsonObject
        {
            ["apiVersion"] = "sympozium.ai/v1alpha1",
            ["kind"] = "SympoziumInstance",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
            ["spec"] = spec,
        };
    }

    private static JsonObject Run(string ns, string name, string instance) => new()
    {
        ["apiVersion"] = "sympozium.ai/v1alpha1",
        ["kind"] = "AgentRun",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        ["spec"] = new JsonObject
        {
            ["instanceRef"] = instance,
            ["agentId"] = "default",
            ["sessionKey"] = "",
            ["task"] = "say hello",
            ["model"] = new JsonObject { ["provider"] = "openai-compatible", ["model"] = "scripted", ["authSecretRef"] = "" },
        },
    };
}
