using System.Net;
using System.Text.Json.Nodes;
using Sympozium.Api.WellKnown;
using Sympozium.E2E.Local.Tests.Support;
using Sympozium.Testing.Channels;
using Sympozium.Testing.Llm;

namespace Sympozium.E2E.Local.Tests;

/// <summary>
/// A chat message all the way through the installed control plane and back: the controller
/// starts the instance's channel pod (the real channel executable, pointed at a fake platform API
/// by its channel Secret), the pod publishes the message on NATS, the controller's channel router
/// makes an AgentRun, the agent answers from the scripted LLM, and the reply is posted to the chat.
/// </summary>
[Collection(SharedControlPlane.Name)]
public sealed class ChannelEndToEndTests(LocalControlPlaneFixture fixture)
{
    private const string Ns = "chat";

    /// <summary>Channel pod start, run, reply: generous for a loaded 2-core machine.</summary>
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(120);

    /// <summary>Job TTL (5 s, see <see cref="LocalControlPlaneFixture.TestOnlyControllerEnvironment"/>) plus the TTL controller's pace.</summary>
    private static readonly TimeSpan JobCleanupTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_telegram_message_is_answered_in_the_chat_its_run_succeeds_its_job_expires_and_its_memory_reaches_the_next_run()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        await using var telegram = await FakeTelegramApi.StartAsync();
        const string memory = "# Agent Memory\n\n- Ada's favourite colour is teal.";
        llm.Enqueue(LlmReply.Say($"Noted: teal it is.\n{LogMarkers.MemoryStart}\n{memory}\n{LogMarkers.MemoryEnd}"));
        llm.Enqueue(LlmReply.Say("Your favourite colour is teal."));
        await fixture.EnsureNamespaceAsync(Ns);
        await CreateAsync("/api/v1/namespaces/" + Ns + "/secrets", Secret("telegram-bot", new()
        {
            ["TELEGRAM_BOT_TOKEN"] = telegram.Token,
            ["TELEGRAM_API_URL"] = telegram.BaseUrl,
            ["TELEGRAM_POLL_TIMEOUT"] = "2s",
        }));
        await CreateAsync(Sympozium("sympoziuminstances"), Instance("tg", llm, "telegram", "telegram-bot", memory: true));

        // First message: answered without the memory block, which lands in the ConfigMap.
        telegram.AddTextMessage(777, "remember that my favourite colour is teal");
        var first = await WaitForRunAsync("tg", "remember that my favourite colour is teal");
        var reply = (await WaitAsync("the reply to the first Telegram message", () => telegram.WaitForSendsAsync(1, ReplyTimeout)))[0];
        Assert.Equal("777", reply.Field("chat_id"));
        Assert.Equal("Noted: teal it is.", reply.Field("text"));

        Assert.True(first["status"]?["phase"]?.ToString() == "Succeeded", $"the run did not succeed: {first["status"]?.ToJsonString()}");
        Assert.Contains("Noted: teal it is.", first["status"]?["result"]?.ToString() ?? "", StringComparison.Ordinal);
        var stored = await fixture.WaitForAsync(Ns, "MEMORY.md of ConfigMap tg-memory holding the agent's update", ReplyTimeout, async () =>
            (await fixture.Api.GetAsync($"/api/v1/namespaces/{Ns}/configmaps/tg-memory"))?["data"]?["MEMORY.md"]?.ToString() is { } text && text.Contains("teal", StringComparison.Ordinal) ? text : null);
        Assert.Equal(memory, stored.Trim());

        // The Job goes once its TTL is over; the run and its result stay.
        var job = first["status"]?["jobName"]?.ToString();
        Assert.False(string.IsNullOrEmpty(job), $"the run has no status.jobName: {first["status"]?.ToJsonString()}");
        await fixture.WaitForAsync(Ns, $"Job {Ns}/{job} deleted after its ttlSecondsAfterFinished", JobCleanupTimeout, async () =>
            await fixture.Api.GetAsync($"/apis/batch/v1/namespaces/{Ns}/jobs/{job}") is null ? "gone" : null);
        Assert.NotNull(await fixture.Api.GetAsync($"{Sympozium("agentruns")}/{first["metadata"]?["name"]}"));

        // Second message: the stored memory is in what the next run sends the model.
        telegram.AddTextMessage(777, "what is my favourite colour?");
        var second = await WaitForRunAsync("tg", "what is my favourite colour?");
        var replies = await WaitAsync("the reply to the second Telegram message", () => telegram.WaitForSendsAsync(2, ReplyTimeout));
        Assert.Equal("Your favourite colour is teal.", replies[1].Field("text"));
        Assert.True(second["status"]?["phase"]?.ToString() == "Succeeded", $"the second run did not succeed: {second["status"]?.ToJsonString()}");
        var messages = string.Join("\n", (llm.Requests[^1].Body?["messages"] as JsonArray ?? []).Select(m => m?["content"]?.ToString()));
        Assert.Contains("## Your Memory", messages, StringComparison.Ordinal);
        Assert.Contains("Ada's favourite colour is teal.", messages, StringComparison.Ordinal);
        Assert.Contains("what is my favourite colour?", messages, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_slack_message_is_answered_in_its_thread()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        await using var slack = await FakeSlackApi.StartAsync();
        llm.Enqueue(LlmReply.Say("Hello from the agent."));
        await fixture.EnsureNamespaceAsync(Ns);
        await CreateAsync("/api/v1/namespaces/" + Ns + "/secrets", Secret("slack-bot", new()
        {
            ["SLACK_BOT_TOKEN"] = slack.BotToken,
            ["SLACK_APP_TOKEN"] = slack.AppToken,
            ["SLACK_API_URL"] = slack.ApiUrl,
        }));
        await CreateAsync(Sympozium("sympoziuminstances"), Instance("sl", llm, "slack", "slack-bot", memory: false));
        await WaitAsync("the Slack channel pod connecting in Socket Mode", () => slack.WaitForConnectionAsync(ReplyTimeout));

        var ts = slack.NextTs();
        await slack.PushEventAsync(FakeSlackApi.EventCallback(FakeSlackApi.MessageEvent("C0001", "U0001", "hello agent", ts)));
        var post = (await WaitAsync("the reply in the Slack thread", () => slack.WaitForPostsAsync(1, ReplyTimeout)))[0];

        Assert.Equal("C0001", post.Field("channel"));
        Assert.Equal(ts, post.Field("thread_ts"));
        Assert.Equal("Hello from the agent.", post.Field("text"));
        var run = await WaitForRunAsync("sl", "hello agent");
        Assert.True(run["status"]?["phase"]?.ToString() == "Succeeded", $"the run did not succeed: {run["status"]?.ToJsonString()}");
    }

    [Fact]
    public async Task A_model_answering_500_gets_the_user_an_error_reply_and_fails_the_run()
    {
        await using var llm = await ScriptedLlmServer.StartAsync();
        await using var telegram = await FakeTelegramApi.StartAsync();

        // Retry-After: 0 keeps the agent's retries (5 by default) from backing off for 15 s.
        llm.Fallback = LlmReply.Fail(500, "the model is overloaded", TimeSpan.Zero);
        await fixture.EnsureNamespaceAsync(Ns);
        await CreateAsync("/api/v1/namespaces/" + Ns + "/secrets", Secret("telegram-flaky", new()
        {
            ["TELEGRAM_BOT_TOKEN"] = telegram.Token,
            ["TELEGRAM_API_URL"] = telegram.BaseUrl,
            ["TELEGRAM_POLL_TIMEOUT"] = "2s",
        }));
        await CreateAsync(Sympozium("sympoziuminstances"), Instance("tg-flaky", llm, "telegram", "telegram-flaky", memory: false));

        telegram.AddTextMessage(888, "are you there?");
        var reply = (await WaitAsync("the error reply in the Telegram chat", () => telegram.WaitForSendsAsync(1, ReplyTimeout)))[0];

        Assert.Equal("888", reply.Field("chat_id"));
        var text = reply.Field("text") ?? "";
        Assert.StartsWith("Sorry, the agent failed", text, StringComparison.Ordinal);
        Assert.Contains("the model is overloaded", text, StringComparison.Ordinal);
        var run = await WaitForRunAsync("tg-flaky", "are you there?");
        Assert.True(run["status"]?["phase"]?.ToString() == "Failed", $"the run did not fail: {run["status"]?.ToJsonString()}");
        Assert.Contains("HTTP 500", run["status"]?["error"]?.ToString() ?? "", StringComparison.Ordinal);
    }

    private static string Sympozium(string resource) => $"/apis/sympozium.ai/v1alpha1/namespaces/{Ns}/{resource}";

    private static JsonObject Secret(string name, Dictionary<string, string> data)
    {
        var stringData = new JsonObject();
        foreach (var (key, value) in data)
        {
            stringData[key] = value;
        }

        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = Ns },
            ["stringData"] = stringData,
        };
    }

    private static JsonObject Instance(string name, ScriptedLlmServer llm, string channel, string secret, bool memory) => new()
    {
        ["apiVersion"] = "sympozium.ai/v1alpha1",
        ["kind"] = "SympoziumInstance",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = Ns },
        ["spec"] = new JsonObject
        {
            ["agents"] = new JsonObject { ["default"] = new JsonObject { ["model"] = "scripted", ["baseURL"] = llm.OpenAiBaseUrl } },
            ["channels"] = new JsonArray(new JsonObject { ["type"] = channel, ["configRef"] = new JsonObject { ["secret"] = secret } }),
            ["memory"] = new JsonObject { ["enabled"] = memory },
        },
    };

    private async Task CreateAsync(string collection, JsonObject body)
    {
        var (status, response) = await fixture.Api.CreateAsync(collection, body);
        Assert.True(status == HttpStatusCode.Created, $"creating {body["kind"]} {body["metadata"]?["name"]}: {(int)status} {response}");
    }

    /// <summary>The channel run of <paramref name="instance"/> for the message <paramref name="task"/>, once Succeeded or Failed.</summary>
    private Task<JsonObject> WaitForRunAsync(string instance, string task)
    {
        JsonObject? last = null;
        var selector = Uri.EscapeDataString($"{Labels.Instance}={instance}");
        return fixture.WaitForAsync(Ns, $"the AgentRun of instance {Ns}/{instance} for \"{task}\" finishing", ReplyTimeout, async () =>
        {
            var runs = (await fixture.Api.GetAsync($"{Sympozium("agentruns")}?labelSelector={selector}"))?["items"] as JsonArray ?? [];
            last = runs.OfType<JsonObject>().FirstOrDefault(r => r["spec"]?["task"]?.ToString() == task) ?? last;
            return last?["status"]?["phase"]?.ToString() is "Succeeded" or "Failed" ? last : null;
        },
        () => last?.ToJsonString() ?? "no such run");
    }

    /// <summary>A fake's wait, with the pods and logs in the failure when it times out.</summary>
    private async Task<T> WaitAsync<T>(string what, Func<Task<T>> wait)
    {
        try
        {
            return await wait();
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{what}: {e.Message}\n" + await fixture.DescribePodsAsync(Ns) + await fixture.DescribePodsAsync(LocalControlPlaneFixture.SystemNamespace), e);
        }
    }

    private async Task WaitAsync(string what, Func<Task> wait) => await WaitAsync(what, async () =>
    {
        await wait();
        return true;
    });
}
