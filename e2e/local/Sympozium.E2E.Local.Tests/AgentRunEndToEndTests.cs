using System.Net;
using System.Text.Json.Nodes;
using Sympozium.Api.Serialization;
using Sympozium.E2E.Local.Tests.Support;
using Sympozium.Testing.Llm;

namespace Sympozium.E2E.Local.Tests;

/// <summary>
/// AgentRuns through the installed control plane: the webhook admits them, the controller makes
/// the Job, the real agent-runner and ipc-bridge run in the agent pod against the scripted LLM,
/// and the controller records the outcome on the run.
/// </summary>
[Collection(SharedControlPlane.Name)]
public sealed class AgentRunEndToEndTests(LocalControlPlaneFixture fixture)
{
    private const string Ns = "team-a";
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_run_succeeds_with_the_model_reply_and_a_run_violating_the_policy_is_denied_with_its_message()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Enqueue(LlmReply.Say("hello from the model"));
        await EnsureNamespaceAsync();
        await CreateAsync("sympoziuminstances", Instance("assistant", llm, policy: null));

        await CreateAsync("agentruns", Run("hello", "assistant", llm));
        var run = await WaitForTerminalPhaseAsync("hello");

        Assert.True(run["status"]?["phase"]?.ToString() == "Succeeded", $"the run did not succeed: {run["status"]?.ToJsonString()}");
        Assert.Contains("hello from the model", run["status"]?["result"]?.ToString() ?? "", StringComparison.Ordinal);
        Assert.Contains(llm.Requests, r => r.Body != null && r.Body.ToJsonString().Contains("say hello", StringComparison.Ordinal));

        // The webhook is in the path: a run breaking its instance's policy never gets in.
        var policy = YamlJson.Parse(await File.ReadAllTextAsync(Path.Combine(LocalControlPlaneFixture.RepoRoot, "deploy", "policies", "restrictive.yaml"))).AsObject();
        policy["metadata"]!["namespace"] = Ns;
        policy["metadata"]!.AsObject().Remove("labels");
        await CreateAsync("sympoziumpolicies", policy);
        await CreateAsync("sympoziuminstances", Instance("locked", llm, policy: "restrictive"));
        var violating = Run("writer", "locked", llm);
        violating["spec"]!["toolPolicy"] = new JsonObject { ["allow"] = new JsonArray("read_file", "write_file") };

        var (status, body) = await fixture.Api.CreateAsync($"/apis/sympozium.ai/v1alpha1/namespaces/{Ns}/agentruns", violating);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        var message = JsonNode.Parse(body)?["message"]?.ToString() ?? body;
        Assert.Contains("admission webhook \"vagentpod.sympozium.ai\" denied the request: AgentRun team-a/writer violates SympoziumPolicy restrictive: tool \"write_file\" is denied by policy", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_run_whose_model_answers_500_fails_with_the_providers_reason()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        llm.Fallback = LlmReply.Fail(500, "the model is overloaded");
        await EnsureNamespaceAsync();
        await CreateAsync("sympoziuminstances", Instance("flaky", llm, policy: null));
        var request = Run("overloaded", "flaky", llm);
        request["spec"]!["env"] = new JsonObject { ["LLM_MAX_RETRIES"] = "1" }; // keep the retries short

        await CreateAsync("agentruns", request);
        var run = await WaitForTerminalPhaseAsync("overloaded");

        Assert.True(run["status"]?["phase"]?.ToString() == "Failed", $"the run did not fail: {run["status"]?.ToJsonString()}");
        var error = run["status"]?["error"]?.ToString() ?? "";
        Assert.Contains("HTTP 500", error, StringComparison.Ordinal);
        Assert.Contains("the model is overloaded", error, StringComparison.Ordinal);
    }

    private static JsonObject Instance(string name, ScriptedLlmServer llm, string? policy)
    {
        var instance = new JsonObject
        {
            ["apiVersion"] = "sympozium.ai/v1alpha1",
            ["kind"] = "SympoziumInstance",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = Ns },
            ["spec"] = new JsonObject
            {
                ["agents"] = new JsonObject { ["default"] = new JsonObject { ["model"] = "scripted", ["baseURL"] = llm.OpenAiBaseUrl } },
            },
        };
        if (policy is not null)
        {
            instance["spec"]!["policyRef"] = policy;
        }

        return instance;
    }

    private static JsonObject Run(string name, string instance, ScriptedLlmServer llm) => new()
    {
        ["apiVersion"] = "sympozium.ai/v1alpha1",
        ["kind"] = "AgentRun",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = Ns },
        ["spec"] = new JsonObject
        {
            ["instanceRef"] = instance,
            ["agentId"] = "default",
            ["sessionKey"] = "",
            ["task"] = "say hello",
            ["model"] = new JsonObject
            {
                ["provider"] = "openai-compatible",
                ["model"] = "scripted",
                ["baseURL"] = llm.OpenAiBaseUrl,
                ["authSecretRef"] = "",
            },
        },
    };

    private async Task EnsureNamespaceAsync()
    {
        var (status, body) = await fixture.Api.CreateAsync("/api/v1/namespaces", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Namespace",
            ["metadata"] = new JsonObject { ["name"] = Ns },
        });
        Assert.True(status is HttpStatusCode.Created or HttpStatusCode.Conflict, $"namespace {Ns}: {(int)status} {body}");
    }

    private async Task CreateAsync(string resource, JsonObject body)
    {
        var (status, response) = await fixture.Api.CreateAsync($"/apis/sympozium.ai/v1alpha1/namespaces/{Ns}/{resource}", body);
        Assert.True(status == HttpStatusCode.Created, $"creating {resource} {body["metadata"]?["name"]}: {(int)status} {response}");
    }

    /// <summary>The run once Succeeded or Failed; on timeout fails with the run, the agent pods and the control plane's pods and logs.</summary>
    private async Task<JsonObject> WaitForTerminalPhaseAsync(string name)
    {
        var deadline = DateTime.UtcNow + RunTimeout;
        JsonObject? run = null;
        while (DateTime.UtcNow < deadline)
        {
            run = await fixture.Api.GetAsync($"/apis/sympozium.ai/v1alpha1/namespaces/{Ns}/agentruns/{name}") ?? run;
            if (run?["status"]?["phase"]?.ToString() is "Succeeded" or "Failed")
            {
                return run;
            }

            await Task.Delay(250);
        }

        Assert.Fail($"AgentRun {Ns}/{name} did not finish within {RunTimeout.TotalSeconds:0} s; last status: {run?["status"]?.ToJsonString()}\n"
            + await fixture.DescribePodsAsync(Ns) + await fixture.DescribePodsAsync(LocalControlPlaneFixture.SystemNamespace));
        return null!;
    }
}
