using System.Diagnostics;
using System.Text.Json.Nodes;
using Sympozium.Testing;
using Sympozium.Testing.Channels;
using Xunit.Abstractions;

namespace Sympozium.Channels.Tests;

/// <summary>The real channel-telegram process against the fake Bot API and a real nats-server
/// (docs/design/channels.md#telegram).</summary>
public sealed class TelegramChannelTests(ITestOutputHelper output)
{
    private const long Chat = -100123;

    [Fact]
    public async Task Text_message_is_published_once_with_instance_metadata_and_the_next_poll_confirms_it()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var telegram = await FakeTelegramApi.StartAsync();
        var healthPort = TestPorts.GetFreeTcpPort();
        var channel = StartTelegram(scenario, telegram, healthPort);
        await channel.WaitUntilReadyAsync();

        var update = telegram.AddTextMessage(Chat, "hello agent", fromId: 7, firstName: "Ada", username: "ada");

        var stored = Assert.Single(await scenario.WaitForReceivedAsync(1));
        var envelope = stored.Envelope;
        Assert.Equal("channel.message.received", envelope.Topic);
        Assert.Equal("alice", envelope.Metadata["instanceName"]);
        Assert.Equal("team-a", envelope.Metadata["namespace"]);
        Assert.Equal("telegram", envelope.Metadata["channel"]);
        var data = JsonNode.Parse(envelope.Data.GetRawText())!;
        Assert.Equal("telegram", (string?)data["channel"]);
        Assert.Equal("alice", (string?)data["instanceName"]);
        Assert.Equal("7", (string?)data["senderId"]);
        Assert.Equal("Ada", (string?)data["senderName"]);
        Assert.Equal("-100123", (string?)data["chatId"]);
        Assert.Equal("hello agent", (string?)data["text"]);
        Assert.Equal("1", (string?)data["messageId"]);
        Assert.Equal("ada", (string?)data["metadata"]!["username"]);
        Assert.Null(data["threadId"]);
        Assert.Equal("telegram/team-a/alice/-100123/1", stored.MessageId);

        // offset = update_id + 1 confirms the update to Telegram; it is not published again.
        await telegram.WaitForOffsetAsync(update + 1, ChannelScenario.Wait);
        Assert.Single(await scenario.ReceivedAsync());

        using var http = new HttpClient();
        using var health = await http.GetAsync($"http://127.0.0.1:{healthPort}/healthz");
        Assert.Equal(200, (int)health.StatusCode);
        Assert.Contains("\"status\":\"ok\"", await health.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Message_from_a_chat_outside_TELEGRAM_ALLOWED_CHAT_IDS_is_never_published()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var telegram = await FakeTelegramApi.StartAsync();
        var channel = StartTelegram(scenario, telegram, TestPorts.GetFreeTcpPort(), env => env["TELEGRAM_ALLOWED_CHAT_IDS"] = "-100123, 55");
        await channel.WaitUntilReadyAsync();

        var stranger = telegram.AddTextMessage(999, "let me in");
        var allowed = telegram.AddTextMessage(Chat, "from the team");
        await telegram.WaitForOffsetAsync(allowed + 1, ChannelScenario.Wait);

        var stored = Assert.Single(await scenario.WaitForReceivedAsync(1));
        Assert.Equal("from the team", (string?)JsonNode.Parse(stored.Envelope.Data.GetRawText())!["text"]);
        Assert.True(allowed > stranger);
        await channel.WaitForLogAsync("from chat 999: not in TELEGRAM_ALLOWED_CHAT_IDS", ChannelScenario.Wait);
    }

    [Fact]
    public async Task Send_for_this_instance_calls_sendMessage_with_chat_text_and_markdown()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var telegram = await FakeTelegramApi.StartAsync();
        var channel = StartTelegram(scenario, telegram, TestPorts.GetFreeTcpPort());
        await channel.WaitUntilReadyAsync();

        await scenario.PublishSendAsync(new JsonObject { ["channel"] = "telegram", ["chatId"] = "-100123", ["text"] = "*done*" });

        var call = Assert.Single(await telegram.WaitForSendsAsync(1, ChannelScenario.Wait));
        Assert.Equal("-100123", call.Field("chat_id"));
        Assert.Equal("*done*", call.Field("text"));
        Assert.Equal("Markdown", call.Field("parse_mode"));
        Assert.StartsWith("application/json", call.Header("Content-Type"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_5000_character_reply_is_split_at_a_line_break_into_two_messages()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var telegram = await FakeTelegramApi.StartAsync();
        var channel = StartTelegram(scenario, telegram, TestPorts.GetFreeTcpPort());
        await channel.WaitUntilReadyAsync();
        var first = new string('a', 3000);
        var second = new string('b', 1999);
        var text = first + "\n" + second; // 5,000 characters

        await scenario.PublishSendAsync(new JsonObject { ["channel"] = "telegram", ["chatId"] = "-100123", ["text"] = text, ["format"] = "html" });

        var calls = await telegram.WaitForSendsAsync(2, ChannelScenario.Wait);
        Assert.Equal([first, second], calls.Select(c => c.Field("text")));
        Assert.All(calls, c => Assert.Equal("HTML", c.Field("parse_mode")));
        await channel.WaitForLogAsync("in 2 message(s)", ChannelScenario.Wait);
        Assert.Equal(2, telegram.SendMessageCalls.Count);
    }

    [Fact]
    public async Task Rate_limited_send_is_retried_after_retry_after()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var telegram = await FakeTelegramApi.StartAsync();
        telegram.ScriptSend(FakeReply.RateLimited(retryAfterSeconds: 1));
        var channel = StartTelegram(scenario, telegram, TestPorts.GetFreeTcpPort());
        await channel.WaitUntilReadyAsync();

        await scenario.PublishSendAsync(new JsonObject { ["channel"] = "telegram", ["chatId"] = "-100123", ["text"] = "patience" });

        var calls = await telegram.WaitForSendsAsync(2, ChannelScenario.Wait);
        Assert.All(calls, c => Assert.Equal("patience", c.Field("text")));
        Assert.True(calls[1].ReceivedAt - calls[0].ReceivedAt >= TimeSpan.FromMilliseconds(900), $"retried after {(calls[1].ReceivedAt - calls[0].ReceivedAt).TotalMilliseconds} ms");
        await channel.WaitForLogAsync("in 1 message(s)", ChannelScenario.Wait);
        Assert.Equal(2, telegram.SendMessageCalls.Count);
    }

    [Fact]
    public async Task Reply_telegram_cannot_parse_is_resent_as_plain_text()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var telegram = await FakeTelegramApi.StartAsync();
        telegram.ScriptSend(FakeReply.CantParseEntities());
        var channel = StartTelegram(scenario, telegram, TestPorts.GetFreeTcpPort());
        await channel.WaitUntilReadyAsync();

        await scenario.PublishSendAsync(new JsonObject { ["channel"] = "telegram", ["chatId"] = "-100123", ["text"] = "a *broken_markdown" });

        var calls = await telegram.WaitForSendsAsync(2, ChannelScenario.Wait);
        Assert.Equal("Markdown", calls[0].Field("parse_mode"));
        Assert.Null(calls[1].Field("parse_mode"));
        Assert.Equal("a *broken_markdown", calls[1].Field("text"));
        await channel.WaitForLogAsync("in 1 message(s)", ChannelScenario.Wait);
    }

    [Fact]
    public async Task Send_for_another_instance_namespace_or_channel_is_not_delivered_by_this_pod()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var telegram = await FakeTelegramApi.StartAsync();
        var channel = StartTelegram(scenario, telegram, TestPorts.GetFreeTcpPort());
        await channel.WaitUntilReadyAsync();

        await scenario.PublishSendAsync(new JsonObject { ["channel"] = "telegram", ["chatId"] = "1", ["text"] = "for bob" }, instance: "bob");
        await scenario.PublishSendAsync(new JsonObject { ["channel"] = "telegram", ["chatId"] = "2", ["text"] = "for alice in team-b" }, ns: "team-b");
        await scenario.PublishSendAsync(new JsonObject { ["channel"] = "slack", ["chatId"] = "C1", ["text"] = "for alice on slack" });
        await scenario.PublishSendAsync(new JsonObject { ["channel"] = "telegram", ["chatId"] = "-100123", ["text"] = "for alice" });

        // Events are handled in order: once the last is sent, the others were seen and skipped.
        await telegram.WaitForSendsAsync(1, ChannelScenario.Wait);
        await Task.Delay(300);
        var call = Assert.Single(telegram.SendMessageCalls);
        Assert.Equal("for alice", call.Field("text"));
        Assert.Equal("-100123", call.Field("chat_id"));
    }

    [Fact]
    public async Task Reply_published_while_the_pod_was_down_is_delivered_after_it_restarts()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var telegram = await FakeTelegramApi.StartAsync();
        var port = TestPorts.GetFreeTcpPort();
        var first = StartTelegram(scenario, telegram, port);
        await first.WaitUntilReadyAsync();
        first.Terminate();
        Assert.Equal(0, await first.WaitForExitAsync(ChannelScenario.Wait));

        await scenario.PublishSendAsync(new JsonObject { ["channel"] = "telegram", ["chatId"] = "-100123", ["text"] = "while you were away" });
        var second = StartTelegram(scenario, telegram, port);
        await second.WaitUntilReadyAsync();

        var call = Assert.Single(await telegram.WaitForSendsAsync(1, ChannelScenario.Wait));
        Assert.Equal("while you were away", call.Field("text"));
    }

    [Fact]
    public async Task Quiet_bot_is_ready_without_waiting_out_a_long_poll_window()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var telegram = await FakeTelegramApi.StartAsync();
        var healthPort = TestPorts.GetFreeTcpPort();
        var channel = StartTelegram(scenario, telegram, healthPort, env => env["TELEGRAM_POLL_TIMEOUT"] = "30s");
        await channel.WaitUntilReadyAsync();
        using var http = new HttpClient();

        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var health = await http.GetAsync($"http://127.0.0.1:{healthPort}/healthz");
            if ((int)health.StatusCode == 200)
            {
                break;
            }

            Assert.Equal(503, (int)health.StatusCode);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "/healthz still 503 after 10 s: " + await health.Content.ReadAsStringAsync());
            await Task.Delay(50);
        }

        // Then it long-polls with the configured window, and the HTTP deadline is longer than it.
        await Task.Delay(300);
        Assert.Contains(telegram.Calls, c => c.Method == "getUpdates" && c.Query.Contains("timeout=30", StringComparison.Ordinal));
        Assert.DoesNotContain("getUpdates failed", channel.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_bot_token_exits_2_naming_the_variable()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        var environment = scenario.Environment(TestPorts.GetFreeTcpPort());
        var channel = scenario.Start("Telegram", environment);

        Assert.Equal(2, await channel.WaitForExitAsync(ChannelScenario.Wait));
        Assert.Contains("TELEGRAM_BOT_TOKEN is not set", channel.Log, StringComparison.Ordinal);
    }

    private static ChannelProcess StartTelegram(ChannelScenario scenario, FakeTelegramApi telegram, int healthPort, Action<Dictionary<string, string?>>? change = null)
    {
        var environment = scenario.Environment(healthPort);
        environment["TELEGRAM_BOT_TOKEN"] = telegram.Token;
        environment["TELEGRAM_API_URL"] = telegram.BaseUrl;
        environment["TELEGRAM_POLL_TIMEOUT"] = "2";
        change?.Invoke(environment);
        return scenario.Start("Telegram", environment);
    }
}
