using System.Text.Json.Nodes;
using Sympozium.Api.Kinds;
using Sympozium.Api.Serialization;
using Sympozium.Api.Validation;

namespace Sympozium.Api.Tests;

/// <summary>Invalid manifests are rejected with messages naming the object, the field and what is allowed.</summary>
public class ValidationTests
{
    private const string MinimalRun = """
        apiVersion: sympozium.ai/v1alpha1
        kind: AgentRun
        metadata:
          name: r1
          namespace: team-a
        spec:
          instanceRef: alice
          agentId: primary
          sessionKey: ""
          task: hello
          model:
            provider: openai
            model: gpt-4o
            authSecretRef: ""
        """;

    private static ValidationResult ValidateRun(Action<JsonObject> change)
    {
        var manifest = YamlJson.Parse(MinimalRun).AsObject();
        change(manifest["spec"]!.AsObject());
        return ManifestValidator.Validate(manifest);
    }

    private static string Single(ValidationResult result) => Assert.Single(result.Messages);

    [Fact]
    public void Minimal_run_is_valid()
    {
        Assert.True(ValidateRun(_ => { }).IsValid);
    }

    [Fact]
    public void Run_without_sessionKey_is_rejected_but_an_empty_sessionKey_is_accepted()
    {
        Assert.Equal("AgentRun team-a/r1: spec.sessionKey: required field is missing", Single(ValidateRun(s => s.Remove("sessionKey"))));
        Assert.True(ValidateRun(s => s["sessionKey"] = "").IsValid);
    }

    [Fact]
    public void A_run_setting_a_variable_the_controller_reserves_in_spec_env_is_rejected_naming_it()
    {
        Assert.True(ValidateRun(s => s["env"] = new JsonObject { ["LLM_MAX_RETRIES"] = "1" }).IsValid);

        var message = Single(ValidateRun(s => s["env"] = new JsonObject { ["SYMPOZIUM_FETCH_ALLOW_PRIVATE"] = "true" }));

        Assert.StartsWith("AgentRun team-a/r1: spec.env.SYMPOZIUM_FETCH_ALLOW_PRIVATE: is set by the controller", message, StringComparison.Ordinal);
        Assert.False(ValidateRun(s => s["env"] = new JsonObject { ["TASK_FILE"] = "/etc/passwd" }).IsValid);
        Assert.False(ValidateRun(s => s["env"] = new JsonObject { ["NATS_CREDS"] = "/x" }).IsValid);
    }

    [Fact]
    public void A_task_over_the_documented_maximum_is_rejected_naming_the_limit_and_a_200_KiB_task_is_accepted()
    {
        Assert.True(ValidateRun(s => s["task"] = new string('t', 200 * 1024)).IsValid);

        var message = Single(ValidateRun(s => s["task"] = new string('t', AgentRunSpec.MaxTaskLength + 1)));

        Assert.Equal($"AgentRun team-a/r1: spec.task: is {AgentRunSpec.MaxTaskLength + 1} characters long; at most 262144 are allowed", message);
    }

    [Fact]
    public void Unknown_provider_names_the_object_field_and_allowed_values()
    {
        var result = ValidateRun(s => s["model"]!["provider"] = "olama");

        var error = Assert.Single(result.Errors);
        Assert.Equal("spec.model.provider", error.Path);
        Assert.Equal(
            "AgentRun team-a/r1: spec.model.provider: \"olama\" is not one of openai, anthropic, azure-openai, ollama, openai-compatible, custom, lm-studio, bedrock",
            Single(result));
        Assert.Contains("ollama", error.AllowedValues!);
    }

    [Theory]
    [InlineData("mode", "batch", "spec.mode: \"batch\" is not one of task, server")]
    [InlineData("cleanup", "never", "spec.cleanup: \"never\" is not one of delete, keep")]
    [InlineData("timeout", "10 minutes", "spec.timeout: \"10 minutes\" is not a duration; write it in Go syntax such as 30s, 10m or 1h30m")]
    [InlineData("timeout", "0s", "spec.timeout: \"0s\" must be longer than zero")]
    [InlineData("instanceRef", "Alice_Bot", "spec.instanceRef: \"Alice_Bot\" is not a valid name")]
    public void Bad_spec_values_are_explained(string field, string value, string expected)
    {
        var message = Single(ValidateRun(s => s[field] = value));

        Assert.StartsWith("AgentRun team-a/r1: " + expected, message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_types_say_what_was_expected_and_what_was_found()
    {
        var result = ValidateRun(s =>
        {
            s["task"] = 42;
            s["env"] = new JsonArray("A=1");
            s["parent"] = new JsonObject { ["runName"] = "p", ["sessionKey"] = "s", ["spawnDepth"] = "one" };
        });

        Assert.Equal(
            [
                "AgentRun team-a/r1: spec.env: expected an object (a map of fields), got a list",
                "AgentRun team-a/r1: spec.parent.spawnDepth: expected an integer, got the string \"one\"",
                "AgentRun team-a/r1: spec.task: expected a string, got the number 42",
            ],
            result.Messages.Order());
    }

    [Fact]
    public void Unknown_field_is_rejected_with_a_suggestion()
    {
        var message = Single(ValidateRun(s => s["instanceref"] = "x"));

        Assert.StartsWith("AgentRun team-a/r1: spec.instanceref: unknown field \"instanceref\" (did you mean \"instanceRef\"?); known fields are instanceRef, agentId", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_failure_is_reported_at_once()
    {
        var result = ValidateRun(s =>
        {
            s.Remove("task");
            s["mode"] = "batch";
            s["model"]!.AsObject().Remove("model");
            s["sandbox"] = new JsonObject { ["enabled"] = true };
            s["agentSandbox"] = new JsonObject { ["enabled"] = true };
        });

        Assert.Equal(
            ["spec.agentSandbox.enabled", "spec.mode", "spec.model.model", "spec.task"],
            result.Errors.Select(e => e.Path).Order());
    }

    [Fact]
    public void Bad_names_and_metadata_are_rejected()
    {
        var manifest = YamlJson.Parse(MinimalRun).AsObject();
        manifest["metadata"]!["name"] = new string('r', 64);
        manifest["metadata"]!["namespace"] = "Team_A";
        manifest["metadata"]!["labels"] = new JsonObject { ["enabled"] = true };

        var result = ManifestValidator.Validate(manifest);

        Assert.Equal(["metadata.labels[enabled]", "metadata.name", "metadata.namespace"], result.Errors.Select(e => e.Path).Order());
        Assert.Contains(result.Messages, m => m.Contains("an AgentRun name becomes its Job's name", StringComparison.Ordinal));
    }

    [Fact]
    public void Missing_name_is_accepted_when_generateName_is_set()
    {
        var manifest = YamlJson.Parse(MinimalRun).AsObject();
        manifest["metadata"]!.AsObject().Remove("name");
        Assert.Equal("metadata.name", Assert.Single(ManifestValidator.Validate(manifest).Errors).Path);

        manifest["metadata"]!["generateName"] = "alice-ch-";
        Assert.True(ManifestValidator.Validate(manifest).IsValid);
    }

    [Fact]
    public void Wrong_api_version_and_unknown_kind_name_the_allowed_values()
    {
        var wrongVersion = YamlJson.Parse(MinimalRun).AsObject();
        wrongVersion["apiVersion"] = "sympozium.ai/v1";
        var wrongKind = YamlJson.Parse(MinimalRun).AsObject();
        wrongKind["kind"] = "AgentRunz";

        Assert.Equal("AgentRun team-a/r1: apiVersion: \"sympozium.ai/v1\" is not served; use sympozium.ai/v1alpha1", Single(ManifestValidator.Validate(wrongVersion)));
        Assert.Equal(
            "AgentRunz team-a/r1: kind: \"AgentRunz\" is not one of SympoziumInstance, AgentRun, SympoziumPolicy, SkillPack, SympoziumSchedule, PersonaPack, MCPServer, SympoziumConfig",
            Single(ManifestValidator.Validate(wrongKind)));
    }

    [Fact]
    public void Invalid_yaml_is_reported_with_its_position_not_thrown()
    {
        var results = ManifestValidator.ValidateYaml("kind: AgentRun\nspec:\n  task: [unclosed\n");

        var message = Single(Assert.Single(results));
        Assert.Contains("invalid YAML at line", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Multi_document_yaml_is_validated_per_document()
    {
        var yaml = MinimalRun + "\n---\n" + MinimalRun.Replace("provider: openai", "provider: nope", StringComparison.Ordinal);

        var results = ManifestValidator.ValidateYaml(yaml);

        Assert.Equal([true, false], results.Select(r => r.IsValid));
    }

    [Theory]
    [InlineData("*/5 * * * *", null)]
    [InlineData("0 9 * * MON-FRI", null)]
    [InlineData("@hourly", "descriptors such as @hourly are not supported")]
    [InlineData("*/5 * * *", "has 4 fields; a cron expression has five")]
    [InlineData("0 24 * * *", "hour field \"24\" is invalid: allowed values are 0-23")]
    [InlineData("61 * * * *", "minute field \"61\" is invalid: allowed values are 0-59")]
    [InlineData("0 0 * 13 *", "month field \"13\" is invalid: allowed values are 1-12 or JAN-DEC")]
    [InlineData("0 0 * * 5-1", "the range 5-1 runs backwards")]
    [InlineData("*/0 * * * *", "the step after '/' must be a positive number")]
    public void Schedule_cron_is_checked_field_by_field(string cron, string? expected)
    {
        var manifest = new JsonObject
        {
            ["apiVersion"] = "sympozium.ai/v1alpha1",
            ["kind"] = "SympoziumSchedule",
            ["metadata"] = new JsonObject { ["name"] = "s", ["namespace"] = "team-a" },
            ["spec"] = new JsonObject { ["instanceRef"] = "alice", ["schedule"] = cron, ["task"] = "t" },
        };

        var result = ManifestValidator.Validate(manifest);

        if (expected is null)
        {
            Assert.True(result.IsValid, result.ToString());
        }
        else
        {
            Assert.StartsWith("SympoziumSchedule team-a/s: spec.schedule: ", Single(result), StringComparison.Ordinal);
            Assert.Contains(expected, Single(result), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Policy_quantities_feature_gates_and_tool_rules_are_checked()
    {
        var yaml = """
            apiVersion: sympozium.ai/v1alpha1
            kind: SympoziumPolicy
            metadata: {name: p, namespace: team-a}
            spec:
              sandboxPolicy: {required: true, maxCPU: two, maxMemory: 4GB}
              toolGating:
                defaultAction: maybe
                rules:
                - {tool: write_file, action: deny}
                - {tool: write_file, action: allow}
              featureGates: {sub-agent: false}
              networkPolicy:
                allowedEgress:
                - {host: api.openai.com, port: 70000}
            """;

        var result = Assert.Single(ManifestValidator.ValidateYaml(yaml));

        Assert.Equal(
            [
                "SympoziumPolicy team-a/p: spec.featureGates[sub-agent]: \"sub-agent\" is not one of code-execution, sub-agents, browser-automation, file-access",
                "SympoziumPolicy team-a/p: spec.networkPolicy.allowedEgress[0].port: 70000 is above the maximum of 65535",
                "SympoziumPolicy team-a/p: spec.sandboxPolicy.maxCPU: \"two\" is not a Kubernetes quantity such as 500m, 2, 512Mi or 4Gi",
                "SympoziumPolicy team-a/p: spec.sandboxPolicy.maxMemory: \"4GB\" is not a Kubernetes quantity such as 500m, 2, 512Mi or 4Gi",
                "SympoziumPolicy team-a/p: spec.toolGating.defaultAction: \"maybe\" is not one of allow, deny, ask",
                "SympoziumPolicy team-a/p: spec.toolGating.rules[1].tool: \"write_file\" is already used by spec.toolGating.rules[0]; each tool must be unique",
            ],
            result.Messages.Order());
    }

    [Fact]
    public void Mcp_server_needs_a_url_or_a_deployment_and_a_non_empty_prefix()
    {
        var yaml = """
            apiVersion: sympozium.ai/v1alpha1
            kind: MCPServer
            metadata: {name: m, namespace: team-a}
            spec: {transportType: stdio, toolsPrefix: ""}
            """;

        var result = Assert.Single(ManifestValidator.ValidateYaml(yaml));

        Assert.Equal(
            ["MCPServer team-a/m: spec.toolsPrefix: must not be empty", "MCPServer team-a/m: spec: set spec.url for an external server or spec.deployment for one the controller runs"],
            result.Messages);
    }

    [Fact]
    public void Lifecycle_allows_one_postRun_gate_and_no_preRun_gate()
    {
        var result = ValidateRun(s => s["lifecycle"] = JsonNode.Parse("""
            {"preRun":[{"name":"a","image":"x","gate":true}],
             "postRun":[{"name":"b","image":"x","gate":true},{"name":"b","image":"y","gate":true}]}
            """));

        Assert.Equal(
            ["spec.lifecycle.postRun[1].gate", "spec.lifecycle.postRun[1].name", "spec.lifecycle.preRun[0].gate"],
            result.Errors.Select(e => e.Path).Order());
    }

    [Fact]
    public void Persona_pack_relationships_must_name_its_personas_and_schedules_need_a_time()
    {
        var yaml = """
            apiVersion: sympozium.ai/v1alpha1
            kind: PersonaPack
            metadata: {name: pack, namespace: team-a}
            spec:
              personas:
              - name: sre
                systemPrompt: p
                schedule: {type: heartbeat, task: t}
              relationships:
              - {source: sre, target: intern, type: delegation}
            """;

        var result = Assert.Single(ManifestValidator.ValidateYaml(yaml));

        Assert.Equal(
            [
                "PersonaPack team-a/pack: spec.personas[0].schedule: set cron (e.g. \"0 9 * * *\") or interval (e.g. 30m)",
                "PersonaPack team-a/pack: spec.relationships[0].target: \"intern\" is not a persona of this pack; personas are sre",
            ],
            result.Messages);
    }

    [Fact]
    public void Instance_channel_types_are_enumerated_and_unique()
    {
        var yaml = """
            apiVersion: sympozium.ai/v1alpha1
            kind: SympoziumInstance
            metadata: {name: alice, namespace: team-a}
            spec:
              agents: {default: {model: gpt-4o, baseURL: "ollama:11434"}}
              channels:
              - {type: telegram}
              - {type: telegram}
              - {type: signal}
              skills:
              - params: {a: b}
            """;

        var result = Assert.Single(ManifestValidator.ValidateYaml(yaml));

        Assert.Equal(
            [
                "SympoziumInstance team-a/alice: spec.agents.default.baseURL: \"ollama:11434\" is not an absolute http:// or https:// URL (e.g. http://ollama.default.svc:11434/v1)",
                "SympoziumInstance team-a/alice: spec.channels[1].type: \"telegram\" is already used by spec.channels[0]; each type must be unique",
                "SympoziumInstance team-a/alice: spec.channels[2].type: \"signal\" is not one of telegram, whatsapp, discord, slack",
                "SympoziumInstance team-a/alice: spec.skills[0]: set skillPackRef (a SkillPack name) or configMapRef (a ConfigMap of skill documents)",
            ],
            result.Messages.Order());
    }

    [Fact]
    public void Typed_objects_validate_as_they_would_be_sent()
    {
        var run = new AgentRun { Metadata = { Name = "r", Namespace = "ns" }, Spec = { InstanceRef = "i", AgentId = "a", Task = "t", Model = { Provider = "anthropic", Model = "claude" } } };
        var bad = new SympoziumConfig { Metadata = { Name = "default" }, Spec = { Gateway = new GatewaySpec { Enabled = true, Tls = new GatewayTls { Enabled = true } } } };

        Assert.True(ManifestValidator.Validate(run, SympoziumJsonContext.Default.AgentRun).IsValid);
        Assert.Equal(
            "SympoziumConfig default: spec.gateway.tls.enabled: needs spec.gateway.baseDomain: the HTTPS listener serves *.<baseDomain>",
            Single(ManifestValidator.Validate(bad, SympoziumJsonContext.Default.SympoziumConfig)));
    }
}
