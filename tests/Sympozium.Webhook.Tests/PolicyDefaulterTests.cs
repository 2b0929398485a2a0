using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sympozium.Api.Kinds;
using Sympozium.Api.Serialization;
using Sympozium.Webhook.Admission;
using Sympozium.Webhook.Policies;
using static Sympozium.Webhook.Tests.TestObjects;

namespace Sympozium.Webhook.Tests;

/// <summary>The mutating webhook: what each preset fills in, as a JSON patch the API server applies.</summary>
public sealed class PolicyDefaulterTests
{
    private static async Task<(AdmissionResponse Response, JsonObject Patched)> MutateAsync(SympoziumPolicy policy, JsonObject obj, string kind = "AgentRun")
    {
        policy.Metadata.Name = "guarded";
        var cluster = new FakeCluster().With(Instance()).With(policy);
        var response = await new AdmissionController(cluster, new RecordedDenials()).MutateAsync(Request(kind, obj), default);
        Assert.True(response.Allowed);
        var patched = response.Patch is null ? obj : Apply(obj, JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(response.Patch)))!.AsArray());
        return (response, patched);
    }

    [Fact]
    public async Task Restrictive_run_gets_a_sandbox_tool_lists_labels_and_then_passes_validation()
    {
        var policy = Preset("restrictive");
        policy.Spec.SandboxPolicy!.DefaultImage = "ghcr.io/sympozium-ai/sympozium/sandbox:latest";
        policy.Spec.SandboxPolicy.SeccompProfile = new SeccompProfileSpec { Type = "RuntimeDefault" };
        var (response, patched) = await MutateAsync(policy, Json(Run()));

        Assert.Equal("JSONPatch", response.PatchType);
        var run = patched.Deserialize(SympoziumJsonContext.Default.AgentRun)!;
        Assert.True(run.Spec.Sandbox!.Enabled);
        Assert.Equal("ghcr.io/sympozium-ai/sympozium/sandbox:latest", run.Spec.Sandbox.Image);
        Assert.Equal("RuntimeDefault", run.Spec.Sandbox.SecurityContext!.SeccompProfile!.Type);
        Assert.Equal(["read_file", "list_directory", "send_channel_message"], run.Spec.ToolPolicy!.Allow!);
        Assert.Equal(["write_file", "fetch_url"], run.Spec.ToolPolicy.Deny!);
        Assert.Equal("agent", run.Metadata.Labels!["sympozium.ai/role"]);
        Assert.Equal("true", run.Metadata.Labels["sympozium.ai/sandbox"]);
        Assert.Equal("true", run.Metadata.Annotations!["sympozium.ai/disable-sa-token"]);

        var cluster = new FakeCluster().With(Instance()).With(policy);
        var validated = await new AdmissionController(cluster, new RecordedDenials()).ValidateAsync(Request("AgentRun", patched), default);
        Assert.True(validated.Allowed, validated.Status?.Message);
    }

    [Fact]
    public async Task A_run_with_its_own_tool_policy_keeps_it_and_gains_the_denied_tools()
    {
        var (_, patched) = await MutateAsync(Preset("network-isolated"), Json(Run(configure: r => r.ToolPolicy = new() { Allow = ["read_file"], Deny = ["write_file"] })));
        var run = patched.Deserialize(SympoziumJsonContext.Default.AgentRun)!;
        Assert.Equal(["read_file"], run.Spec.ToolPolicy!.Allow!);
        Assert.Equal(["write_file", "fetch_url"], run.Spec.ToolPolicy.Deny!);
        Assert.Null(run.Spec.Sandbox);
        Assert.False(run.Metadata.Labels!.ContainsKey("sympozium.ai/sandbox"));
    }

    [Fact]
    public async Task Label_keys_are_escaped_in_the_patch_and_existing_labels_survive()
    {
        var obj = Json(Run());
        obj["metadata"]!["labels"] = new JsonObject { ["team"] = "a" };
        var (response, patched) = await MutateAsync(Preset("permissive"), obj);
        var operations = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(response.Patch!)))!.AsArray();
        Assert.Contains(operations, o => o!["path"]!.GetValue<string>() == "/metadata/labels/sympozium.ai~1role");
        Assert.Equal("a", patched["metadata"]!["labels"]!["team"]!.GetValue<string>());
        Assert.Null(patched["spec"]!["toolPolicy"]);
    }

    [Fact]
    public async Task Agent_sandbox_required_enables_it_with_the_default_runtime_class()
    {
        var policy = Policy("guarded", p => p.SandboxPolicy = new() { AgentSandboxPolicy = new() { Required = true, DefaultRuntimeClass = "gvisor" } });
        var (_, patched) = await MutateAsync(policy, Json(Run()));
        Assert.Equal("gvisor", patched["spec"]!["agentSandbox"]!["runtimeClass"]!.GetValue<string>());
        Assert.Equal("true", patched["metadata"]!["labels"]!["sympozium.ai/agent-sandbox"]!.GetValue<string>());

        var (_, instance) = await MutateAsync(policy, Json(Instance()), "SympoziumInstance");
        Assert.True(instance["spec"]!["agents"]!["default"]!["agentSandbox"]!["enabled"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_run_of_an_instance_without_policy_is_not_patched()
    {
        var cluster = new FakeCluster().With(Instance(policyRef: null));
        var response = await new AdmissionController(cluster, new RecordedDenials()).MutateAsync(Request("AgentRun", Json(Run())), default);
        Assert.True(response.Allowed);
        Assert.Null(response.Patch);
    }

    [Fact]
    public void The_patch_of_identical_documents_is_empty_and_a_removed_key_is_removed()
    {
        var a = new JsonObject { ["x"] = new JsonObject { ["a/b"] = 1, ["c~d"] = 2 } };
        Assert.Empty(JsonPatchBuilder.Diff(a, a.DeepClone().AsObject()));
        var b = new JsonObject { ["x"] = new JsonObject { ["a/b"] = 3 } };
        var ops = JsonPatchBuilder.Diff(a, b).Select(o => $"{o!["op"]} {o["path"]}").ToList();
        Assert.Equal(["remove /x/c~0d", "replace /x/a~1b"], ops);
    }

    /// <summary>Applies add/replace/remove operations on object members (all the defaulter emits).</summary>
    private static JsonObject Apply(JsonObject document, JsonArray operations)
    {
        var result = document.DeepClone().AsObject();
        foreach (var operation in operations.OfType<JsonObject>())
        {
            var path = operation["path"]!.GetValue<string>().Split('/').Skip(1).Select(p => p.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToList();
            var parent = path.SkipLast(1).Aggregate((JsonNode)result, (node, key) => node[key]!).AsObject();
            switch (operation["op"]!.GetValue<string>())
            {
                case "add" or "replace":
                    parent[path[^1]] = operation["value"]?.DeepClone();
                    break;
                case "remove":
                    parent.Remove(path[^1]);
                    break;
            }
        }

        return result;
    }
}
