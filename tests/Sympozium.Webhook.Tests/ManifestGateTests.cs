using System.Text.Json.Nodes;
using Sympozium.Api.Kinds;
using Sympozium.Api.Serialization;
using Sympozium.Webhook.Admission;
using static Sympozium.Webhook.Tests.TestObjects;

namespace Sympozium.Webhook.Tests;

/// <summary>
/// The validating webhook as the one gate for every Sympozium kind: a manifest that can never run
/// is refused at apply time with each field and its fix (schema and cross-field rules, all at
/// once), before any policy is consulted; a valid manifest of every kind is admitted.
/// </summary>
public sealed class ManifestGateTests
{
    /// <summary>A valid spec per kind (YAML under <c>spec:</c>), as a user would apply it.</summary>
    private static readonly Dictionary<string, string> ValidSpecs = new()
    {
        [SympoziumInstance.KindName] = """
            agents:
              default:
                model: gpt-4o
            channels:
              - type: telegram
                configRef:
                  secret: telegram-token
            """,
        [AgentRun.KindName] = """
            instanceRef: assistant
            agentId: primary
            sessionKey: s1
            task: summarise the cluster events
            model:
              provider: openai
              model: gpt-4o
              authSecretRef: ""
            """,
        [SympoziumPolicy.KindName] = """
            toolGating:
              defaultAction: allow
              rules:
                - tool: write_file
                  action: deny
            """,
        [SkillPack.KindName] = """
            skills:
              - name: k8s-read
                content: Read pods and events.
            """,
        [SympoziumSchedule.KindName] = """
            instanceRef: assistant
            schedule: "0 9 * * 1-5"
            task: post the morning summary
            """,
        [PersonaPack.KindName] = """
            personas:
              - name: analyst
                systemPrompt: You analyse.
              - name: writer
                systemPrompt: You write.
            relationships:
              - source: analyst
                target: writer
                type: sequential
            """,
        [MCPServer.KindName] = """
            transportType: http
            toolsPrefix: gh
            url: http://github-mcp.tools.svc:8080/mcp
            """,
        [SympoziumConfig.KindName] = """
            gateway:
              enabled: true
              baseDomain: agents.example.com
              tls:
                enabled: true
            """,
    };

    /// <summary>One manifest per kind that can never run, and the message line it must produce.</summary>
    private static readonly Dictionary<string, (string Kind, string Spec, string Message)> InvalidRows = new()
    {
        ["SympoziumInstance: a channel listed twice"] = (SympoziumInstance.KindName, """
            agents:
              default:
                model: gpt-4o
            channels:
              - type: telegram
              - type: telegram
            """, "SympoziumInstance team-a/x1: spec.channels[1].type: \"telegram\" is already used by spec.channels[0]; each type must be unique"),
        ["AgentRun: a provider that does not exist"] = (AgentRun.KindName, """
            instanceRef: assistant
            agentId: primary
            sessionKey: s1
            task: hello
            model:
              provider: olama
              model: llama3
              authSecretRef: ""
            """, "AgentRun team-a/x1: spec.model.provider: \"olama\" is not one of openai, anthropic, azure-openai, ollama, openai-compatible"),
        ["AgentRun: two gate hooks"] = (AgentRun.KindName, """
            instanceRef: assistant
            agentId: primary
            sessionKey: s1
            task: hello
            model:
              provider: openai
              model: gpt-4o
              authSecretRef: ""
            lifecycle:
              postRun:
                - name: a
                  image: busybox:1.36
                  gate: true
                - name: b
                  image: busybox:1.36
                  gate: true
            """, "AgentRun team-a/x1: spec.lifecycle.postRun[1].gate: at most one postRun hook may be a gate; hooks 0, 1 all are"),
        ["AgentRun: a gate hook before the run"] = (AgentRun.KindName, """
            instanceRef: assistant
            agentId: primary
            sessionKey: s1
            task: hello
            model:
              provider: openai
              model: gpt-4o
              authSecretRef: ""
            lifecycle:
              preRun:
                - name: check
                  image: busybox:1.36
                  gate: true
            """, "AgentRun team-a/x1: spec.lifecycle.preRun[0].gate: only postRun hooks can gate the response"),
        ["AgentRun: sandbox and agent sandbox together"] = (AgentRun.KindName, """
            instanceRef: assistant
            agentId: primary
            sessionKey: s1
            task: hello
            model:
              provider: openai
              model: gpt-4o
              authSecretRef: ""
            sandbox:
              enabled: true
            agentSandbox:
              enabled: true
            """, "AgentRun team-a/x1: spec.agentSandbox.enabled: cannot be true together with spec.sandbox.enabled"),
        ["SympoziumPolicy: a feature gate that does not exist"] = (SympoziumPolicy.KindName, """
            featureGates:
              code-exec: false
            """, "SympoziumPolicy team-a/x1: spec.featureGates[code-exec]: \"code-exec\" is not one of code-execution, sub-agents, browser-automation, file-access"),
        ["SkillPack: a skill name used twice"] = (SkillPack.KindName, """
            skills:
              - name: k8s-read
                content: Read pods.
              - name: k8s-read
                content: Read events.
            """, "SkillPack team-a/x1: spec.skills[1].name: \"k8s-read\" is already used by spec.skills[0]; each name must be unique"),
        ["SympoziumSchedule: a cron minute out of range"] = (SympoziumSchedule.KindName, """
            instanceRef: assistant
            schedule: "61 * * * *"
            task: post the summary
            """, "SympoziumSchedule team-a/x1: spec.schedule: "),
        ["PersonaPack: a relationship to a persona the pack lacks"] = (PersonaPack.KindName, """
            personas:
              - name: analyst
                systemPrompt: You analyse.
            relationships:
              - source: analyst
                target: editor
                type: delegation
            """, "PersonaPack team-a/x1: spec.relationships[0].target: \"editor\" is not a persona of this pack; personas are analyst"),
        ["MCPServer: neither a url nor a deployment"] = (MCPServer.KindName, """
            transportType: http
            toolsPrefix: gh
            """, "MCPServer team-a/x1: spec: set spec.url for an external server or spec.deployment for one the controller runs"),
        ["SympoziumConfig: TLS without a base domain"] = (SympoziumConfig.KindName, """
            gateway:
              enabled: true
              tls:
                enabled: true
            """, "SympoziumConfig team-a/x1: spec.gateway.tls.enabled: needs spec.gateway.baseDomain"),
    };

    public static TheoryData<string> Kinds => [.. KnownKinds.All.Select(k => k.Kind)];

    public static TheoryData<string> InvalidRowNames => [.. InvalidRows.Keys];

    private static JsonObject Manifest(string kind, string spec, string name = "x1") =>
        YamlJson.Parse($"""
            apiVersion: sympozium.ai/v1alpha1
            kind: {kind}
            metadata:
              name: {name}
              namespace: {Ns}
            spec:
            {Indent(spec)}
            """).AsObject();

    private static string Indent(string text) => string.Join('\n', text.Split('\n').Select(line => "  " + line));

    /// <summary>The run's instance has no policy: only the manifest is judged.</summary>
    private static AdmissionController Controller(RecordedDenials? denials = null) =>
        new(new FakeCluster().With(Instance(policyRef: null)), denials ?? new RecordedDenials());

    [Fact]
    public void Every_kind_has_a_valid_manifest_and_an_invalid_one_here()
    {
        Assert.Equal(KnownKinds.All.Select(k => k.Kind).Order(), ValidSpecs.Keys.Order());
        Assert.Equal(KnownKinds.All.Select(k => k.Kind).Order(), InvalidRows.Values.Select(r => r.Kind).Distinct().Order());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_valid_manifest_of_every_kind_is_admitted(string kind)
    {
        var response = await Controller().ValidateAsync(Request(kind, Manifest(kind, ValidSpecs[kind])), default);
        Assert.True(response.Allowed, response.Status?.Message);
    }

    [Theory]
    [MemberData(nameof(InvalidRowNames))]
    public async Task A_manifest_that_can_never_run_is_denied_naming_the_field(string row)
    {
        var (kind, spec, message) = InvalidRows[row];
        foreach (var operation in new[] { "CREATE", "UPDATE" })
        {
            var old = operation == "UPDATE" ? Manifest(kind, ValidSpecs[kind]) : null;
            var response = await Controller().ValidateAsync(Request(kind, Manifest(kind, spec), operation, old), default);
            Assert.False(response.Allowed, $"{operation} was admitted");
            Assert.Equal((422, "Invalid"), (response.Status!.Code, response.Status.Reason));
            Assert.StartsWith(message, response.Status.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Every_problem_is_reported_at_once_one_line_each()
    {
        var run = Manifest(AgentRun.KindName, """
            instanceRef: assistant
            agentId: primary
            task: hello
            timeout: soon
            model:
              provider: olama
              model: llama3
              authSecretRef: ""
            """);
        var response = await Controller().ValidateAsync(Request(AgentRun.KindName, run), default);
        Assert.False(response.Allowed);
        var lines = response.Status!.Message!.Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.All(lines, line => Assert.StartsWith("AgentRun team-a/x1: spec.", line, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("AgentRun team-a/x1: spec.sessionKey: required field is missing", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("AgentRun team-a/x1: spec.timeout: \"soon\" is not a duration", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("AgentRun team-a/x1: spec.model.provider: \"olama\" is not one of", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Manifest_errors_come_before_the_policy_and_are_not_recorded_as_policy_denials()
    {
        var cluster = new FakeCluster().With(Instance()).With(Policy("guarded", p => p.SandboxPolicy = new() { Required = true }));
        var denials = new RecordedDenials();
        var run = Json(Run(configure: r => r.Model.Provider = "olama"));
        var response = await new AdmissionController(cluster, denials).ValidateAsync(Request(AgentRun.KindName, run), default);
        Assert.False(response.Allowed);
        Assert.Equal(422, response.Status!.Code);
        Assert.StartsWith("AgentRun team-a/r1: spec.model.provider: \"olama\" is not one of", response.Status.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("violates SympoziumPolicy", response.Status.Message, StringComparison.Ordinal);
        Assert.Empty(denials.All);
    }

    [Fact]
    public async Task A_generated_name_is_shown_as_its_prefix()
    {
        var manifest = Manifest(SkillPack.KindName, InvalidRows["SkillPack: a skill name used twice"].Spec);
        var metadata = manifest["metadata"]!.AsObject();
        metadata.Remove("name");
        metadata["generateName"] = "pack-";
        var request = Request(SkillPack.KindName, manifest);
        request.Name = null;
        var response = await Controller().ValidateAsync(request, default);
        Assert.StartsWith("SkillPack team-a/pack-*: spec.skills[1].name: ", response.Status!.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(InvalidRowNames))]
    public async Task Deletions_and_metadata_only_updates_of_an_invalid_object_are_admitted(string row)
    {
        // Objects admitted before this gate existed must still be able to lose their finalizers.
        var (kind, spec, _) = InvalidRows[row];
        var before = Manifest(kind, spec);
        var after = before.DeepClone().AsObject();
        after["metadata"]!["finalizers"] = new JsonArray();
        after["metadata"]!["labels"] = new JsonObject { ["team"] = "a" };
        Assert.True((await Controller().ValidateAsync(Request(kind, after, "UPDATE", before), default)).Allowed);

        var deleting = before.DeepClone().AsObject();
        deleting["metadata"]!["deletionTimestamp"] = "2026-01-01T00:00:00Z";
        Assert.True((await Controller().ValidateAsync(Request(kind, deleting, "UPDATE", before), default)).Allowed);
    }

    [Fact]
    public async Task Kinds_of_other_groups_are_not_judged()
    {
        var request = Request("ConfigMap", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = new JsonObject { ["name"] = "x" } });
        Assert.True((await Controller().ValidateAsync(request, default)).Allowed);
    }

    [Fact]
    public async Task The_mutating_webhook_leaves_an_undecodable_run_to_validation()
    {
        var run = Json(Run());
        run["spec"]!["parent"] = "not an object";
        var cluster = new FakeCluster().With(Instance()).With(Policy("guarded", p => p.SandboxPolicy = new() { Required = true }));
        var controller = new AdmissionController(cluster, new RecordedDenials());

        var mutated = await controller.MutateAsync(Request(AgentRun.KindName, run), default);
        Assert.True(mutated.Allowed);
        Assert.Null(mutated.Patch);

        var validated = await controller.ValidateAsync(Request(AgentRun.KindName, run), default);
        Assert.False(validated.Allowed);
        Assert.StartsWith("AgentRun team-a/r1: spec.parent: expected an object", validated.Status!.Message, StringComparison.Ordinal);
    }
}
