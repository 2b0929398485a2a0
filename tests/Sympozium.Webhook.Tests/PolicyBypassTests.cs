using System.Text;
using System.Text.Json.Nodes;
using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;
using Sympozium.Webhook.Admission;
using static Sympozium.Webhook.Tests.TestObjects;

namespace Sympozium.Webhook.Tests;

/// <summary>
/// Attempts to escape a policy by editing the governed object, by leaving the policy out, or by
/// asking for host access (docs/design/admission.md#which-policy-governs, #policyref-is-fixed,
/// #host-access). Each test is named after the attack.
/// </summary>
public sealed class PolicyBypassTests
{
    private static SympoziumPolicy Strict(string name = "strict", bool isDefault = false)
    {
        var policy = Policy(name, p => p.SandboxPolicy = new() { Required = true });
        if (isDefault)
        {
            policy.Metadata.Labels = new() { [Labels.DefaultPolicy] = "true" };
        }

        return policy;
    }

    private static SkillPack Pack(string name, HostAccess access) => new()
    {
        Metadata = { Name = name, Namespace = Ns },
        Spec =
        {
            Skills = [new Skill { Name = "s", Content = "Do it." }],
            Sidecar = new SkillSidecar { Image = "busybox", HostAccess = access },
        },
    };

    private static async Task<AdmissionResponse> UpdateInstanceAsync(FakeCluster cluster, string? before, string? after)
    {
        // Sandboxed, so the strict policies below have nothing else to object to.
        static void Sandboxed(SympoziumInstanceSpec spec) => spec.Agents.Default.Sandbox = new() { Enabled = true };
        var old = Json(Instance(policyRef: before, configure: Sandboxed));
        var updated = Json(Instance(policyRef: after, configure: Sandboxed));
        return await new AdmissionController(cluster, new RecordedDenials()).ValidateAsync(Request("SympoziumInstance", updated, "UPDATE", old), default);
    }

    [Fact]
    public async Task An_instance_dropping_its_policyRef_is_denied_with_the_reason()
    {
        var cluster = new FakeCluster().With(Strict("guarded"));
        var denials = new RecordedDenials();
        var response = await new AdmissionController(cluster, denials).ValidateAsync(
            Request("SympoziumInstance", Json(Instance(policyRef: null)), "UPDATE", Json(Instance(policyRef: "guarded"))), default);

        Assert.False(response.Allowed);
        Assert.Equal(403, response.Status!.Code);
        Assert.Equal(
            "SympoziumInstance team-a/assistant violates SympoziumPolicy guarded: spec.policyRef \"guarded\" cannot be removed: the instance is governed by SympoziumPolicy guarded; "
            + "a policy binding is fixed for the life of the instance; to move it to another policy, delete the instance and create it again",
            response.Status.Message);
        Assert.Equal("guarded", Assert.Single(denials.All).Policy.Metadata.Name);
    }

    [Fact]
    public async Task An_instance_switching_to_a_looser_policy_is_denied_with_the_reason()
    {
        var cluster = new FakeCluster().With(Strict("guarded")).With(Policy("loose", _ => { }));
        var response = await UpdateInstanceAsync(cluster, "guarded", "loose");

        Assert.False(response.Allowed);
        Assert.Equal(403, response.Status!.Code);
        Assert.Contains("spec.policyRef \"guarded\" cannot be changed to \"loose\"", response.Status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_instance_dropping_a_policyRef_whose_policy_is_gone_is_still_denied()
    {
        var response = await UpdateInstanceAsync(new FakeCluster(), "gone", null);

        Assert.False(response.Allowed);
        Assert.Equal(403, response.Status!.Code);
        Assert.StartsWith("SympoziumInstance team-a/assistant: spec.policyRef \"gone\" cannot be removed", response.Status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_instance_under_the_namespace_default_naming_a_looser_policy_is_denied()
    {
        var cluster = new FakeCluster().With(Strict(isDefault: true)).With(Policy("loose", _ => { }));
        var response = await UpdateInstanceAsync(cluster, null, "loose");

        Assert.False(response.Allowed);
        Assert.Equal(403, response.Status!.Code);
        Assert.Contains("spec.policyRef cannot be set to \"loose\": the instance is governed by SympoziumPolicy strict, the default of namespace team-a", response.Status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_ungoverned_instance_may_name_a_policy_and_one_may_name_the_default_it_already_has()
    {
        Assert.True((await UpdateInstanceAsync(new FakeCluster().With(Strict()), null, "strict")).Allowed);
        Assert.True((await UpdateInstanceAsync(new FakeCluster().With(Strict(isDefault: true)), null, "strict")).Allowed);
    }

    [Fact]
    public async Task A_run_of_an_instance_naming_no_policy_is_judged_by_the_namespace_default()
    {
        var cluster = new FakeCluster().With(Instance(policyRef: null)).With(Strict(isDefault: true));
        var denials = new RecordedDenials();
        var controller = new AdmissionController(cluster, denials);

        var denied = await controller.ValidateAsync(Request("AgentRun", Json(Run())), default);
        Assert.False(denied.Allowed);
        Assert.Equal(403, denied.Status!.Code);
        Assert.Equal("AgentRun team-a/r1 violates SympoziumPolicy strict (the default of namespace team-a): sandbox is required by policy (set spec.sandbox.enabled: true)", denied.Status.Message);
        Assert.Equal("strict", Assert.Single(denials.All).Policy.Metadata.Name);

        // The mutating webhook fills in from the same policy, so the same run arrives compliant.
        var mutated = await controller.MutateAsync(Request("AgentRun", Json(Run())), default);
        Assert.Contains("/spec/sandbox", Encoding.UTF8.GetString(Convert.FromBase64String(mutated.Patch!)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_default_policies_in_a_namespace_fail_closed_for_instances_naming_none()
    {
        var cluster = new FakeCluster().With(Instance(policyRef: null)).With(Strict("a-strict", isDefault: true)).With(Strict("b-strict", isDefault: true));
        var controller = new AdmissionController(cluster, new RecordedDenials());

        var run = await controller.ValidateAsync(Request("AgentRun", Json(Run())), default);
        var instance = await controller.ValidateAsync(Request("SympoziumInstance", Json(Instance("other", policyRef: null))), default);

        foreach (var response in new[] { run, instance })
        {
            Assert.False(response.Allowed);
            Assert.Equal(403, response.Status!.Code);
            Assert.Contains("namespace team-a has more than one default SympoziumPolicy (a-strict, b-strict, label sympozium.ai/default-policy: \"true\")", response.Status.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_second_default_policy_in_a_namespace_is_denied_naming_both()
    {
        var cluster = new FakeCluster().With(Strict("first", isDefault: true));
        var response = await new AdmissionController(cluster, new RecordedDenials()).ValidateAsync(Request("SympoziumPolicy", Json(Strict("second", isDefault: true))), default);

        Assert.False(response.Allowed);
        Assert.Equal(403, response.Status!.Code);
        Assert.Equal(
            "SympoziumPolicy team-a/second: namespace team-a has more than one default SympoziumPolicy (first, second, label sympozium.ai/default-policy: \"true\"); "
            + "keep the label on one of them, or name a policy in spec.policyRef",
            response.Status.Message);
    }

    [Fact]
    public async Task Labelling_a_second_policy_as_default_is_denied_although_only_metadata_changes()
    {
        var cluster = new FakeCluster().With(Strict("first", isDefault: true));
        var before = Json(Strict("second"));
        var after = Json(Strict("second", isDefault: true));
        var response = await new AdmissionController(cluster, new RecordedDenials()).ValidateAsync(Request("SympoziumPolicy", after, "UPDATE", before), default);

        Assert.False(response.Allowed);
        Assert.Contains("(first, second,", response.Status!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_asking_for_seccomp_Unconfined_is_denied_unless_its_policy_allows_host_access()
    {
        static AgentRun Unconfined() => Run(configure: r => r.Sandbox = new()
        {
            Enabled = true,
            SecurityContext = new() { SeccompProfile = new() { Type = "Unconfined" } },
        });

        var governed = new FakeCluster().With(Instance()).With(Policy("guarded", _ => { }));
        var denied = await new AdmissionController(governed, new RecordedDenials()).ValidateAsync(Request("AgentRun", Json(Unconfined())), default);
        Assert.False(denied.Allowed);
        Assert.Equal(
            "AgentRun team-a/r1 violates SympoziumPolicy guarded: spec.sandbox.securityContext.seccompProfile.type asks for seccomp Unconfined, which the policy does not allow "
            + "(set spec.hostAccess.allowed: true on SympoziumPolicy guarded, or remove the setting)",
            denied.Status!.Message);

        var ungoverned = new FakeCluster().With(Instance(policyRef: null));
        var refused = await new AdmissionController(ungoverned, new RecordedDenials()).ValidateAsync(Request("AgentRun", Json(Unconfined())), default);
        Assert.False(refused.Allowed);
        Assert.Equal(403, refused.Status!.Code);
        Assert.Contains("refused without a governing policy that allows it", refused.Status.Message, StringComparison.Ordinal);

        var allowing = new FakeCluster().With(Instance()).With(Policy("guarded", p => p.HostAccess = new() { Allowed = true }));
        Assert.True((await new AdmissionController(allowing, new RecordedDenials()).ValidateAsync(Request("AgentRun", Json(Unconfined())), default)).Allowed);
    }

    [Fact]
    public async Task A_privileged_host_network_root_skill_sidecar_is_denied_and_allowHostMounts_does_not_cover_it()
    {
        var pack = Pack("node-debug", new HostAccess { Enabled = true, Privileged = true, HostNetwork = true, HostPID = true, RunAsRoot = true });
        var cluster = new FakeCluster().With(Instance()).With(Policy("guarded", p => p.SandboxPolicy = new() { AllowHostMounts = true })).With(pack);
        var run = Run(configure: r => r.Skills = [new SkillRef { SkillPackRef = "node-debug" }]);

        var response = await new AdmissionController(cluster, new RecordedDenials()).ValidateAsync(Request("AgentRun", Json(run)), default);

        Assert.False(response.Allowed);
        Assert.Contains("SkillPack node-debug requests host access (privileged, hostNetwork, hostPID, runAsUser 0), which the policy does not allow (set spec.hostAccess.allowed: true", response.Status!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_instance_naming_no_policy_cannot_mount_a_host_path_skill()
    {
        var pack = Pack("node-logs", new HostAccess { Enabled = true, Mounts = [new HostMount { HostPath = "/", MountPath = "/host" }] });
        var cluster = new FakeCluster().With(pack);
        var instance = Instance(policyRef: null, configure: i => i.Skills = [new SkillRef { SkillPackRef = "node-logs" }]);

        var response = await new AdmissionController(cluster, new RecordedDenials()).ValidateAsync(Request("SympoziumInstance", Json(instance)), default);

        Assert.False(response.Allowed);
        Assert.Equal(403, response.Status!.Code);
        Assert.StartsWith("SympoziumInstance team-a/assistant: SkillPack node-logs requests host access (mount /), which escapes the pod's isolation", response.Status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_policy_turning_seccomp_off_without_allowing_host_access_is_invalid()
    {
        var policy = Policy("sneaky", p => p.SandboxPolicy = new() { Required = true, SeccompProfile = new() { Type = "Unconfined" } });
        var response = await new AdmissionController(new FakeCluster(), new RecordedDenials()).ValidateAsync(Request("SympoziumPolicy", Json(policy)), default);

        Assert.False(response.Allowed);
        Assert.Equal(422, response.Status!.Code);
        Assert.Equal("SympoziumPolicy team-a/sneaky: spec.sandboxPolicy.seccompProfile.type Unconfined turns seccomp off for every sandboxed run; set spec.hostAccess.allowed: true to allow that, or use RuntimeDefault", response.Status.Message);
    }

    [Theory]
    [InlineData("sandbox", "securityContext", "privileged")]
    [InlineData("sandbox", "securityContext", "allowPrivilegeEscalation")]
    [InlineData("sandbox", "securityContext", "runAsUser")]
    [InlineData("sandbox", "", "hostNetwork")]
    [InlineData("sandbox", "", "hostIPC")]
    [InlineData("sandbox", "", "volumes")]
    public async Task Isolation_settings_the_types_do_not_have_are_refused_as_unknown_fields(string under, string context, string field)
    {
        var run = Json(Run(configure: r => r.Sandbox = new() { Enabled = true }));
        var target = run["spec"]![under]!.AsObject();
        if (context.Length > 0)
        {
            target[context] = new JsonObject();
            target = target[context]!.AsObject();
        }

        target[field] = field == "runAsUser" ? 0 : field == "volumes" ? new JsonArray(new JsonObject { ["hostPath"] = new JsonObject { ["path"] = "/" } }) : true;
        var cluster = new FakeCluster().With(Instance()).With(Policy("guarded", _ => { }));

        var response = await new AdmissionController(cluster, new RecordedDenials()).ValidateAsync(Request("AgentRun", run), default);

        Assert.False(response.Allowed);
        Assert.Equal(422, response.Status!.Code);
        Assert.Contains($"unknown field \"{field}\"", response.Status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Added_capabilities_are_refused_as_an_unknown_field()
    {
        var run = Json(Run(configure: r => r.Sandbox = new() { Enabled = true, SecurityContext = new() { Capabilities = new() { Drop = ["ALL"] } } }));
        run["spec"]!["sandbox"]!["securityContext"]!["capabilities"]!["add"] = new JsonArray("SYS_ADMIN");
        var cluster = new FakeCluster().With(Instance()).With(Policy("guarded", _ => { }));

        var response = await new AdmissionController(cluster, new RecordedDenials()).ValidateAsync(Request("AgentRun", run), default);

        Assert.False(response.Allowed);
        Assert.Equal(422, response.Status!.Code);
        Assert.Contains("spec.sandbox.securityContext.capabilities.add: unknown field \"add\"", response.Status.Message, StringComparison.Ordinal);
    }
}
