using System.Text.Json.Nodes;
using Sympozium.Api.Serialization;
using Sympozium.Api.Validation;

namespace Sympozium.Api.Tests;

/// <summary>Schema defaults are applied as the API server applies them
/// (docs/design/custom-resources.md#schema-defaults).</summary>
public class DefaultingTests
{
    private static JsonObject Defaulted(string yaml)
    {
        var manifest = YamlJson.Parse(yaml).AsObject();
        Assert.True(ManifestDefaults.Apply(manifest));
        Assert.True(ManifestValidator.Validate(manifest).IsValid, ManifestValidator.Validate(manifest).ToString());
        return manifest;
    }

    [Fact]
    public void Schedule_with_only_required_fields_gets_forbid_scheduled_and_includeMemory()
    {
        var spec = Defaulted("""
            {apiVersion: sympozium.ai/v1alpha1, kind: SympoziumSchedule, metadata: {name: s},
             spec: {instanceRef: i, schedule: "*/5 * * * *", task: t}}
            """)["spec"]!;

        Assert.Equal("Forbid", spec["concurrencyPolicy"]!.GetValue<string>());
        Assert.Equal("scheduled", spec["type"]!.GetValue<string>());
        Assert.True(spec["includeMemory"]!.GetValue<bool>());
        Assert.Null(spec["suspend"]);
    }

    [Fact]
    public void Explicit_false_is_not_replaced_by_a_default()
    {
        var spec = Defaulted("""
            {apiVersion: sympozium.ai/v1alpha1, kind: SympoziumSchedule, metadata: {name: s},
             spec: {instanceRef: i, schedule: "0 * * * *", task: t, includeMemory: false}}
            """)["spec"]!;

        Assert.False(spec["includeMemory"]!.GetValue<bool>());
    }

    [Fact]
    public void Run_mode_and_cleanup_default_to_task_and_delete()
    {
        var spec = Defaulted("""
            {apiVersion: sympozium.ai/v1alpha1, kind: AgentRun, metadata: {name: r},
             spec: {instanceRef: i, agentId: a, sessionKey: "", task: t, model: {provider: openai, model: m, authSecretRef: ""}}}
            """)["spec"]!;

        Assert.Equal("task", spec["mode"]!.GetValue<string>());
        Assert.Equal("delete", spec["cleanup"]!.GetValue<string>());
    }

    [Fact]
    public void Instance_memory_gets_256_kb_and_config_gateway_gets_its_names()
    {
        var instance = Defaulted("""
            {apiVersion: sympozium.ai/v1alpha1, kind: SympoziumInstance, metadata: {name: a},
             spec: {agents: {default: {model: m}}, memory: {enabled: true}, mcpServers: [{name: gh, toolsPrefix: gh}]}}
            """);
        var config = Defaulted("""
            {apiVersion: sympozium.ai/v1alpha1, kind: SympoziumConfig, metadata: {name: default}, spec: {gateway: {enabled: true}}}
            """);

        Assert.Equal(256, instance["spec"]!["memory"]!["maxSizeKB"]!.GetValue<int>());
        Assert.Equal(30, instance["spec"]!["mcpServers"]![0]!["timeout"]!.GetValue<int>());
        Assert.Null(instance["spec"]!["observability"]);
        Assert.Equal("sympozium", config["spec"]!["gateway"]!["gatewayClassName"]!.GetValue<string>());
        Assert.Equal("sympozium-gateway", config["spec"]!["gateway"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public void Policy_network_defaults_deny_all_but_allow_dns_and_the_event_bus()
    {
        var spec = Defaulted("""
            {apiVersion: sympozium.ai/v1alpha1, kind: SympoziumPolicy, metadata: {name: p},
             spec: {networkPolicy: {}, subagentPolicy: {}, toolGating: {}}}
            """)["spec"]!;

        Assert.True(spec["networkPolicy"]!["denyAll"]!.GetValue<bool>());
        Assert.True(spec["networkPolicy"]!["allowDNS"]!.GetValue<bool>());
        Assert.True(spec["networkPolicy"]!["allowEventBus"]!.GetValue<bool>());
        Assert.Equal(3, spec["subagentPolicy"]!["maxDepth"]!.GetValue<int>());
        Assert.Equal(5, spec["subagentPolicy"]!["maxConcurrent"]!.GetValue<int>());
        Assert.Equal("allow", spec["toolGating"]!["defaultAction"]!.GetValue<string>());
    }

    [Fact]
    public void Pruning_removes_undeclared_fields_and_reports_them()
    {
        var manifest = YamlJson.Parse("""
            {apiVersion: sympozium.ai/v1alpha1, kind: SkillPack, metadata: {name: p, labels: {a: b}},
             spec: {skills: [{name: s, content: c, colour: red}], extra: 1}}
            """);

        var removed = StructuralSchema.Prune(manifest, CrdSchemas.Schema(Kinds.KnownKinds.SkillPack));

        Assert.Equal(["spec.extra", "spec.skills[0].colour"], removed.Order());
        Assert.Equal("b", manifest["metadata"]!["labels"]!["a"]!.GetValue<string>());
        Assert.Null(manifest["spec"]!["extra"]);
    }

    [Fact]
    public void Non_sympozium_manifests_are_left_alone()
    {
        var pod = new JsonObject { ["kind"] = "Pod", ["spec"] = new JsonObject() };

        Assert.False(ManifestDefaults.Apply(pod));
        Assert.Empty(pod["spec"]!.AsObject());
    }
}
