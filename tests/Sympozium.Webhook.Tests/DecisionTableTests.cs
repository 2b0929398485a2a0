using System.Text.Json.Nodes;
using Sympozium.Api.Kinds;
using Sympozium.Webhook.Admission;
using static Sympozium.Webhook.Tests.TestObjects;

namespace Sympozium.Webhook.Tests;

/// <summary>
/// The validating decision table (docs/design/admission.md#decision-table rows 6–15) plus the
/// fields upstream left inert (docs/design/upstream-fixes.md#cp-6), one row per case: a run of
/// instance "assistant" bound to policy "guarded". Expected is a fragment of the denial message, or
/// null when the run is admitted.
/// </summary>
public sealed class DecisionTableTests
{
    private sealed record Row(Action<SympoziumPolicySpec> Policy, Action<AgentRunSpec> Run, string? Denial,
        Action<SympoziumInstanceSpec>? Instance = null, SkillPack? Pack = null);

    private static readonly SkillPack HostPack = new()
    {
        Metadata = { Name = "node-logs", Namespace = Ns },
        Spec =
        {
            Skills = [new Skill { Name = "logs", Content = "Read node logs." }],
            Sidecar = new SkillSidecar
            {
                Image = "busybox",
                HostAccess = new HostAccess { Enabled = true, Mounts = [new HostMount { HostPath = "/var/log", MountPath = "/host/log" }] },
                Resources = new SidecarResources { Cpu = "100m", Memory = "8Gi" },
            },
        },
    };

    private static readonly SkillPack PrivilegedPack = new()
    {
        Metadata = { Name = "node-debug", Namespace = Ns },
        Spec =
        {
            Skills = [new Skill { Name = "debug", Content = "Debug the node." }],
            Sidecar = new SkillSidecar { Image = "busybox", HostAccess = new HostAccess { Enabled = true, Privileged = true, HostPID = true } },
        },
    };

    private static readonly Dictionary<string, Row> Rows = new()
    {
        ["empty policy admits a plain run"] = new(_ => { }, _ => { }, null),
        ["6: sandbox required, run without sandbox"] = new(p => p.SandboxPolicy = new() { Required = true }, _ => { }, "sandbox is required by policy"),
        ["6: sandbox required, sandboxed run"] = new(p => p.SandboxPolicy = new() { Required = true }, r => r.Sandbox = new() { Enabled = true }, null),
        ["7: cpu limit above maxCPU"] = new(p => p.SandboxPolicy = new() { MaxCPU = "2" },
            r => r.Sandbox = new() { Enabled = true, Resources = new() { Limits = new() { ["cpu"] = "4" } } }, "spec.sandbox.resources.limits.cpu 4 exceeds the policy's maxCPU 2"),
        ["7: memory request within maxMemory"] = new(p => p.SandboxPolicy = new() { MaxMemory = "4Gi" },
            r => r.Sandbox = new() { Enabled = true, Resources = new() { Requests = new() { ["memory"] = "512Mi" }, Limits = new() { ["memory"] = "4Gi" } } }, null),
        ["7: millicores compare as cores"] = new(p => p.SandboxPolicy = new() { MaxCPU = "500m" },
            r => r.Sandbox = new() { Enabled = true, Resources = new() { Limits = new() { ["cpu"] = "0.6" } } }, "exceeds the policy's maxCPU 500m"),
        ["7: invalid run quantity is a clear denial"] = new(p => p.SandboxPolicy = new() { MaxCPU = "2" },
            r => r.Sandbox = new() { Enabled = true, Resources = new() { Limits = new() { ["cpu"] = "lots" } } }, "spec.sandbox.resources.limits.cpu \"lots\" is not a valid quantity"),
        ["7: invalid policy quantity is a clear denial"] = new(p => p.SandboxPolicy = new() { MaxMemory = "four gigs" }, _ => { }, "the policy is invalid: sandboxPolicy.maxMemory \"four gigs\" is not a valid quantity"),
        ["7: skill sidecar memory above maxMemory"] = new(p => p.SandboxPolicy = new() { MaxMemory = "4Gi", AllowHostMounts = true },
            r => r.Skills = [new SkillRef { SkillPackRef = "node-logs" }], "SkillPack node-logs spec.sidecar.resources.memory 8Gi exceeds the policy's maxMemory 4Gi", Pack: HostPack),
        ["host mounts not allowed"] = new(_ => { }, r => r.Skills = [new SkillRef { SkillPackRef = "skillpack-node-logs" }],
            "SkillPack node-logs requests host access (mount /var/log), which the policy does not allow", Pack: HostPack),
        ["host mounts allowed"] = new(p => p.SandboxPolicy = new() { AllowHostMounts = true }, r => r.Skills = [new SkillRef { SkillPackRef = "node-logs" }], null, Pack: HostPack),
        ["7a: allowHostMounts does not cover a privileged sidecar"] = new(p => p.SandboxPolicy = new() { AllowHostMounts = true }, r => r.Skills = [new SkillRef { SkillPackRef = "node-debug" }],
            "SkillPack node-debug requests host access (privileged, hostPID), which the policy does not allow (set spec.hostAccess.allowed: true", Pack: PrivilegedPack),
        ["7a: hostAccess.allowed admits a privileged sidecar"] = new(p => p.HostAccess = new() { Allowed = true }, r => r.Skills = [new SkillRef { SkillPackRef = "node-debug" }], null, Pack: PrivilegedPack),
        ["7a: seccomp Unconfined without host access"] = new(_ => { }, r => r.Sandbox = new() { Enabled = true, SecurityContext = new() { SeccompProfile = new() { Type = "Unconfined" } } },
            "spec.sandbox.securityContext.seccompProfile.type asks for seccomp Unconfined, which the policy does not allow"),
        ["7a: seccomp RuntimeDefault needs nothing"] = new(_ => { }, r => r.Sandbox = new() { Enabled = true, SecurityContext = new() { SeccompProfile = new() { Type = "RuntimeDefault" } } }, null),
        ["host mounts through the instance's skills"] = new(_ => { }, _ => { }, "requests host access", i => i.Skills = [new SkillRef { SkillPackRef = "node-logs" }], HostPack),
        ["8: spawn depth reaches maxDepth"] = new(p => p.SubagentPolicy = new() { MaxDepth = 2 },
            r => r.Parent = new() { RunName = "p", SessionKey = "s", SpawnDepth = 2 }, "sub-agent depth 2 reaches the policy's maxDepth 2"),
        ["8: spawn depth below maxDepth"] = new(p => p.SubagentPolicy = new() { MaxDepth = 2 },
            r => r.Parent = new() { RunName = "p", SessionKey = "s", SpawnDepth = 1 }, null),
        ["9: denied tool in toolPolicy.allow"] = new(p => p.ToolGating = new() { Rules = [new() { Tool = "fetch_url", Action = "deny" }] },
            r => r.ToolPolicy = new() { Allow = ["read_file", "fetch_url"] }, "tool \"fetch_url\" is denied by policy"),
        ["defaultAction deny refuses an unlisted tool"] = new(p => p.ToolGating = new() { DefaultAction = "deny", Rules = [new() { Tool = "read_file", Action = "allow" }] },
            r => r.ToolPolicy = new() { Allow = ["read_file", "write_file"] }, "tool \"write_file\" is not allowed by policy (toolGating.defaultAction is deny"),
        ["defaultAction deny admits ruled tools"] = new(p => p.ToolGating = new() { DefaultAction = "deny", Rules = [new() { Tool = "read_file", Action = "allow" }, new() { Tool = "execute_command", Action = "ask" }] },
            r => r.ToolPolicy = new() { Allow = ["read_file", "execute_command"] }, null),
        ["10: code execution disabled, sandboxed run"] = new(p => p.FeatureGates = new() { ["code-execution"] = false }, r => r.Sandbox = new() { Enabled = true }, "code execution is disabled by policy"),
        ["10: code execution disabled, plain run"] = new(p => p.FeatureGates = new() { ["code-execution"] = false }, _ => { }, null),
        ["11: sub-agents disabled, child run"] = new(p => p.FeatureGates = new() { ["sub-agents"] = false },
            r => r.Parent = new() { RunName = "p", SessionKey = "s", SpawnDepth = 1 }, "sub-agents are disabled by policy"),
        // Row 12 (sandbox and agent sandbox together) is a cross-field rule of the manifest now,
        // refused before any policy is read: ManifestGateTests.
        ["13: agent sandbox in server mode"] = new(_ => { }, r => { r.AgentSandbox = new() { Enabled = true }; r.Mode = "server"; }, "cannot be used with mode: server"),
        ["14: agent sandbox required, none"] = new(p => p.SandboxPolicy = new() { AgentSandboxPolicy = new() { Required = true } }, _ => { }, "agent sandbox is required by policy"),
        ["15: runtime class outside the allowed list"] = new(p => p.SandboxPolicy = new() { AgentSandboxPolicy = new() { AllowedRuntimeClasses = ["gvisor", "kata"] } },
            r => r.AgentSandbox = new() { Enabled = true, RuntimeClass = "runc" }, "spec.agentSandbox.runtimeClass \"runc\" is not allowed by policy (allowed: gvisor, kata)"),
        ["15: runtime class in the allowed list"] = new(p => p.SandboxPolicy = new() { AgentSandboxPolicy = new() { AllowedRuntimeClasses = ["gvisor", "kata"] } },
            r => r.AgentSandbox = new() { Enabled = true, RuntimeClass = "kata" }, null),
        ["network isolation refuses a model endpoint elsewhere"] = new(p => p.NetworkPolicy = new() { DenyAll = true },
            r => r.Model.BaseURL = "http://10.0.0.9:8000/v1", "spec.model.baseURL host 10.0.0.9:8000 is not reachable under the policy's networkPolicy",
            i => i.Agents.Default.BaseURL = "http://ollama.models.svc:11434/v1"),
        ["network isolation admits the instance's endpoint"] = new(p => p.NetworkPolicy = new() { DenyAll = true },
            r => r.Model.BaseURL = "http://ollama.models.svc:11434/v1", null, i => i.Agents.Default.BaseURL = "http://ollama.models.svc:11434"),
        ["network isolation admits an allowed CIDR"] = new(p => p.NetworkPolicy = new() { DenyAll = true, AllowedEgress = [new() { Host = "10.0.0.0/24", Port = 8000 }] },
            r => r.Model.BaseURL = "http://10.0.0.9:8000/v1", null),
        ["no isolation admits any endpoint"] = new(p => p.NetworkPolicy = new() { DenyAll = false }, r => r.Model.BaseURL = "http://10.0.0.9:8000/v1", null),
    };

    public static TheoryData<string> RowNames => [.. Rows.Keys];

    [Theory]
    [MemberData(nameof(RowNames))]
    public async Task Decision_table(string row)
    {
        var (policyRules, runRules, denial, instanceRules, pack) = Rows[row];
        var cluster = new FakeCluster().With(Instance(configure: instanceRules)).With(Policy("guarded", policyRules));
        if (pack is not null)
        {
            cluster.With(pack);
        }

        var denials = new RecordedDenials();
        var response = await new AdmissionController(cluster, denials).ValidateAsync(Request("AgentRun", Json(Run(configure: runRules))), default);

        if (denial is null)
        {
            Assert.True(response.Allowed, response.Status?.Message);
            Assert.Empty(denials.All);
        }
        else
        {
            Assert.False(response.Allowed);
            Assert.Equal(403, response.Status!.Code);
            Assert.StartsWith("AgentRun team-a/r1 violates SympoziumPolicy guarded: ", response.Status.Message, StringComparison.Ordinal);
            Assert.Contains(denial, response.Status.Message, StringComparison.Ordinal);
            var recorded = Assert.Single(denials.All);
            Assert.Equal(("guarded", "AgentRun", "r1"), (recorded.Policy.Metadata.Name, recorded.Kind, recorded.Name));
        }
    }

    [Fact]
    public async Task Row_1_an_undecodable_run_is_rejected_naming_the_field()
    {
        var run = Json(Run());
        run["spec"]!["parent"] = "not an object";
        var response = await new AdmissionController(new FakeCluster(), new RecordedDenials()).ValidateAsync(Request("AgentRun", run), default);
        Assert.False(response.Allowed);
        Assert.Equal(422, response.Status!.Code);
        Assert.Equal("AgentRun team-a/r1: spec.parent: expected an object (a map of fields), got the string \"not an object\"", response.Status.Message);
    }

    [Fact]
    public async Task Row_2_a_run_being_deleted_is_admitted_whatever_the_policy_says()
    {
        var cluster = new FakeCluster().With(Instance()).With(Policy("guarded", p => p.SandboxPolicy = new() { Required = true }));
        var run = Run();
        run.Metadata.DeletionTimestamp = DateTimeOffset.UtcNow;
        var response = await new AdmissionController(cluster, new RecordedDenials()).ValidateAsync(Request("AgentRun", Json(run), "UPDATE", Json(Run())), default);
        Assert.True(response.Allowed);
    }

    [Fact]
    public async Task Row_3_a_run_of_a_missing_instance_is_rejected_naming_the_instance()
    {
        var response = await new AdmissionController(new FakeCluster(), new RecordedDenials()).ValidateAsync(Request("AgentRun", Json(Run(instance: "ghost"))), default);
        Assert.False(response.Allowed);
        Assert.Equal(400, response.Status!.Code);
        Assert.Equal("AgentRun team-a/r1: spec.instanceRef: SympoziumInstance team-a/ghost not found; create the instance first", response.Status.Message);
    }

    [Fact]
    public async Task Row_4_a_run_of_an_instance_without_policy_is_admitted()
    {
        var cluster = new FakeCluster().With(Instance(policyRef: null));
        var response = await new AdmissionController(cluster, new RecordedDenials()).ValidateAsync(Request("AgentRun", Json(Run(configure: r => r.Sandbox = new() { Enabled = true }))), default);
        Assert.True(response.Allowed);
    }

    [Fact]
    public async Task Row_5_a_missing_policy_fails_closed()
    {
        var cluster = new FakeCluster().With(Instance(policyRef: "gone"));
        var response = await new AdmissionController(cluster, new RecordedDenials()).ValidateAsync(Request("AgentRun", Json(Run())), default);
        Assert.False(response.Allowed);
        Assert.Equal(500, response.Status!.Code);
        Assert.Contains("SympoziumPolicy team-a/gone named by instance assistant (spec.policyRef) not found", response.Status.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metadata_only_updates_are_not_judged_again()
    {
        // The instance and its policy are gone: a finalizer removal must still go through
        // (docs/design/upstream-fixes.md#cp-19).
        var before = Json(Run());
        var after = before.DeepClone().AsObject();
        after["metadata"]!["finalizers"] = new JsonArray("sympozium.ai/agentrun-finalizer");
        after["metadata"]!["labels"] = new JsonObject { ["x"] = "y" };
        var controller = new AdmissionController(new FakeCluster(), new RecordedDenials());

        Assert.True((await controller.ValidateAsync(Request("AgentRun", after, "UPDATE", before), default)).Allowed);
        Assert.True((await controller.MutateAsync(Request("AgentRun", after, "UPDATE", before), default)) is { Allowed: true, Patch: null });

        after["spec"]!["task"] = "something else";
        Assert.False((await controller.ValidateAsync(Request("AgentRun", after, "UPDATE", before), default)).Allowed);
    }

    [Fact]
    public async Task A_dry_run_denial_is_not_recorded()
    {
        var cluster = new FakeCluster().With(Instance()).With(Policy("guarded", p => p.SandboxPolicy = new() { Required = true }));
        var denials = new RecordedDenials();
        var response = await new AdmissionController(cluster, denials).ValidateAsync(Request("AgentRun", Json(Run()), dryRun: true), default);
        Assert.False(response.Allowed);
        Assert.Empty(denials.All);
    }

    [Fact]
    public async Task Instances_are_judged_against_their_policy()
    {
        var cluster = new FakeCluster().With(Policy("guarded", p =>
        {
            p.SandboxPolicy = new() { MaxCPU = "1", AgentSandboxPolicy = new() { AllowedRuntimeClasses = ["gvisor"] } };
            p.SubagentPolicy = new() { MaxDepth = 2 };
        }));
        var controller = new AdmissionController(cluster, new RecordedDenials());

        async Task<string?> Judge(Action<SympoziumInstanceSpec> configure)
        {
            var response = await controller.ValidateAsync(Request("SympoziumInstance", Json(Instance(configure: configure))), default);
            return response.Allowed ? null : response.Status!.Message;
        }

        Assert.Null(await Judge(_ => { }));
        Assert.Contains("spec.agents.default.sandbox.resources.limits.cpu 2 exceeds the policy's maxCPU 1",
            await Judge(i => i.Agents.Default.Sandbox = new() { Enabled = true, Resources = new() { Limits = new() { ["cpu"] = "2" } } }), StringComparison.Ordinal);
        Assert.Contains("runtimeClass \"kata\" is not allowed by policy",
            await Judge(i => i.Agents.Default.AgentSandbox = new() { Enabled = true, RuntimeClass = "kata" }), StringComparison.Ordinal);
        Assert.Contains("subagents.maxDepth 4 exceeds the policy's maxDepth 2",
            await Judge(i => i.Agents.Default.Subagents = new() { MaxDepth = 4 }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_instance_naming_a_policy_that_does_not_exist_yet_is_admitted_with_a_warning()
    {
        var response = await new AdmissionController(new FakeCluster(), new RecordedDenials())
            .ValidateAsync(Request("SympoziumInstance", Json(Instance(policyRef: "later"))), default);
        Assert.True(response.Allowed);
        Assert.Contains("SympoziumPolicy team-a/later (spec.policyRef) does not exist yet", Assert.Single(response.Warnings!), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("maxCPU", "two", "spec.sandboxPolicy.maxCPU: \"two\" is not a Kubernetes quantity")]
    [InlineData("maxMemory", "-1Gi", "spec.sandboxPolicy.maxMemory \"-1Gi\" is not a valid quantity")]
    [InlineData("maxMemory", "16Gi", null)]
    public async Task A_policy_with_an_invalid_quantity_is_rejected_not_crashed_on(string field, string value, string? error)
    {
        var policy = Json(Policy("guarded", _ => { }));
        policy["spec"]!["sandboxPolicy"] = new JsonObject { ["required"] = false, [field] = value };
        var response = await new AdmissionController(new FakeCluster(), new RecordedDenials()).ValidateAsync(Request("SympoziumPolicy", policy), default);
        Assert.Equal(error is null, response.Allowed);
        if (error is not null)
        {
            Assert.Equal(422, response.Status!.Code);
            Assert.Contains(error, response.Status.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("permissive")]
    [InlineData("restrictive")]
    [InlineData("network-isolated")]
    public async Task The_shipped_presets_are_valid_policies(string preset)
    {
        var response = await new AdmissionController(new FakeCluster(), new RecordedDenials()).ValidateAsync(Request("SympoziumPolicy", Json(Preset(preset))), default);
        Assert.True(response.Allowed, response.Status?.Message);
        Assert.Equal(preset, Preset(preset).Metadata.Name);
    }
}
