using System.Text.Json.Nodes;
using Sympozium.Testing;
using Sympozium.Testing.Channels;
using Xunit.Abstractions;

namespace Sympozium.Channels.Tests;

/// <summary>The real channel-slack process against the fake Slack and a real nats-server
/// (docs/design/channels.md#slack).</summary>
public sealed class SlackChannelTests(ITestOutputHelper output)
{
    private const string Secret = "8f742231b10e8888abcd99yyyzzz85a5";

    [Fact]
    public async Task Socket_mode_message_is_published_in_a_thread_under_itself_and_acked()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var slack = await FakeSlackApi.StartAsync();
        var channel = StartSocketMode(scenario, slack);
        await channel.WaitUntilReadyAsync();
        await slack.WaitForConnectionAsync(ChannelScenario.Wait);

        var ts = slack.NextTs();
        var envelopeId = await slack.PushEventAsync(FakeSlackApi.EventCallback(FakeSlackApi.MessageEvent("C0001", "U0001", "summarise the thread", ts)));

        await slack.WaitForAckAsync(envelopeId, ChannelScenario.Wait);
        var stored = Assert.Single(await scenario.WaitForReceivedAsync(1));
        Assert.Equal("alice", stored.Envelope.Metadata["instanceName"]);
        Assert.Equal("team-a", stored.Envelope.Metadata["namespace"]);
        Assert.Equal("slack", stored.Envelope.Metadata["channel"]);
        var data = JsonNode.Parse(stored.Envelope.Data.GetRawText())!;
        Assert.Equal("slack", (string?)data["channel"]);
        Assert.Equal("U0001", (string?)data["senderId"]);
        Assert.Equal("C0001", (string?)data["chatId"]);
        Assert.Equal("summarise the thread", (string?)data["text"]);
        Assert.Equal(ts, (string?)data["threadId"]);
        Assert.Equal(ts, (string?)data["messageId"]);
        Assert.Equal($"slack/team-a/alice/C0001/{ts}", stored.MessageId);
        Assert.Equal("Bearer " + slack.AppToken, slack.Calls.First(c => c.Method == "apps.connections.open").Header("Authorization"));
    }

    [Fact]
    public async Task Socket_mode_bot_messages_and_edits_are_acked_but_not_published()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var slack = await FakeSlackApi.StartAsync();
        var channel = StartSocketMode(scenario, slack);
        await channel.WaitUntilReadyAsync();
        await slack.WaitForConnectionAsync(ChannelScenario.Wait);

        var bot = await slack.PushEventAsync(FakeSlackApi.EventCallback(FakeSlackApi.MessageEvent("C0001", "U0BOT", "my own reply", slack.NextTs(), botId: "B0001")));
        var edit = await slack.PushEventAsync(FakeSlackApi.EventCallback(FakeSlackApi.MessageEvent("C0001", "U0001", "edited", slack.NextTs(), subtype: "message_changed")));
        var dmTs = slack.NextTs();
        var user = await slack.PushEventAsync(FakeSlackApi.EventCallback(FakeSlackApi.MessageEvent("D0001", "U0001", "in a DM", dmTs, channelType: "im")));

        await slack.WaitForAckAsync(user, ChannelScenario.Wait);
        Assert.Equal([bot, edit, user], slack.Acks);
        var stored = Assert.Single(await scenario.WaitForReceivedAsync(1));
        var data = JsonNode.Parse(stored.Envelope.Data.GetRawText())!;
        Assert.Equal("in a DM", (string?)data["text"]);
        Assert.Null(data["threadId"]); // A direct message is answered in the conversation itself.
    }

    [Fact]
    public async Task Socket_mode_reconnects_after_disconnect_and_keeps_publishing()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var slack = await FakeSlackApi.StartAsync();
        var channel = StartSocketMode(scenario, slack);
        await channel.WaitUntilReadyAsync();
        await slack.WaitForConnectionAsync(ChannelScenario.Wait);

        await slack.PushDisconnectAsync();
        await slack.WaitForConnectionAsync(ChannelScenario.Wait);
        Assert.Equal(2, slack.Connections);
        var id = await slack.PushEventAsync(FakeSlackApi.EventCallback(FakeSlackApi.MessageEvent("C0001", "U0001", "still there?", slack.NextTs())));

        await slack.WaitForAckAsync(id, ChannelScenario.Wait);
        Assert.Single(await scenario.WaitForReceivedAsync(1));
    }

    [Fact]
    public async Task Events_api_rejects_bad_and_stale_signatures_with_401_and_publishes_only_the_signed_request()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var slack = await FakeSlackApi.StartAsync();
        var (channel, url) = StartEventsApi(scenario, slack);
        await channel.WaitForLogAsync("Events API listening", ChannelScenario.Wait);
        using var http = new HttpClient();

        using var forged = await FakeSlackApi.PostEventsApiAsync(http, url,
            FakeSlackApi.EventCallback(FakeSlackApi.MessageEvent("C0001", "U0666", "forged", slack.NextTs())), "not-the-secret");
        using var replayed = await FakeSlackApi.PostEventsApiAsync(http, url,
            FakeSlackApi.EventCallback(FakeSlackApi.MessageEvent("C0001", "U0666", "replayed", slack.NextTs())), Secret, DateTimeOffset.UtcNow.AddMinutes(-6));
        using var unsigned = await http.PostAsync(url, new StringContent(
            FakeSlackApi.EventCallback(FakeSlackApi.MessageEvent("C0001", "U0666", "unsigned", slack.NextTs())).ToJsonString()));
        var ts = slack.NextTs();
        using var genuine = await FakeSlackApi.PostEventsApiAsync(http, url,
            FakeSlackApi.EventCallback(FakeSlackApi.MessageEvent("C0001", "U0001", "genuine", ts, threadTs: "1699999999.000100")), Secret);

        Assert.Equal(401, (int)forged.StatusCode);
        Assert.Equal(401, (int)replayed.StatusCode);
        Assert.Equal(401, (int)unsigned.StatusCode);
        Assert.Equal(200, (int)genuine.StatusCode);
        var stored = Assert.Single(await scenario.WaitForReceivedAsync(1));
        var data = JsonNode.Parse(stored.Envelope.Data.GetRawText())!;
        Assert.Equal("genuine", (string?)data["text"]);
        Assert.Equal("1699999999.000100", (string?)data["threadId"]);
        await Task.Delay(200);
        Assert.Single(await scenario.ReceivedAsync());
    }

    [Fact]
    public async Task Events_api_url_verification_echoes_the_challenge_only_when_signed()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var slack = await FakeSlackApi.StartAsync();
        var (channel, url) = StartEventsApi(scenario, slack);
        await channel.WaitForLogAsync("Events API listening", ChannelScenario.Wait);
        using var http = new HttpClient();

        using var signed = await FakeSlackApi.PostEventsApiAsync(http, url, FakeSlackApi.UrlVerification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"), Secret);
        using var forged = await FakeSlackApi.PostEventsApiAsync(http, url, FakeSlackApi.UrlVerification("abc"), "wrong");

        Assert.Equal(200, (int)signed.StatusCode);
        Assert.Equal("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", await signed.Content.ReadAsStringAsync());
        Assert.StartsWith("text/plain", signed.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        Assert.Equal(401, (int)forged.StatusCode);
        Assert.Empty(await scenario.ReceivedAsync());
    }

    [Fact]
    public async Task Reply_goes_into_the_thread_with_thread_ts_and_the_bot_token()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var slack = await FakeSlackApi.StartAsync();
        var channel = StartSocketMode(scenario, slack);
        await channel.WaitUntilReadyAsync();

        await scenario.PublishSendAsync(new JsonObject { ["channel"] = "slack", ["chatId"] = "C0001", ["threadId"] = "1700000001.000100", ["text"] = "here is the summary" });

        var call = Assert.Single(await slack.WaitForPostsAsync(1, ChannelScenario.Wait));
        Assert.Equal("C0001", call.Field("channel"));
        Assert.Equal("1700000001.000100", call.Field("thread_ts"));
        Assert.Equal("here is the summary", call.Field("text"));
        Assert.Equal("Bearer " + slack.BotToken, call.Header("Authorization"));
    }

    [Fact]
    public async Task Slack_ok_false_is_logged_with_its_error_code_and_not_retried_while_ratelimited_is()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var slack = await FakeSlackApi.StartAsync();
        slack.ScriptPost(FakeReply.SlackError("channel_not_found"), FakeReply.RateLimited(1));
        var channel = StartSocketMode(scenario, slack);
        await channel.WaitUntilReadyAsync();

        await scenario.PublishSendAsync(new JsonObject { ["channel"] = "slack", ["chatId"] = "CGONE", ["text"] = "lost" });
        await scenario.PublishSendAsync(new JsonObject { ["channel"] = "slack", ["chatId"] = "C0001", ["text"] = "delivered" });

        var calls = await slack.WaitForPostsAsync(3, ChannelScenario.Wait);
        Assert.Equal(["lost", "delivered", "delivered"], calls.Select(c => c.Field("text")));
        await channel.WaitForLogAsync("error channel_not_found", ChannelScenario.Wait);
        await Task.Delay(300);
        Assert.Equal(3, slack.PostMessageCalls.Count);
    }

    private static ChannelProcess StartSocketMode(ChannelScenario scenario, FakeSlackApi slack)
    {
        var environment = scenario.Environment(TestPorts.GetFreeTcpPort());
        environment["SLACK_BOT_TOKEN"] = slack.BotToken;
        environment["SLACK_APP_TOKEN"] = slack.AppToken;
        environment["SLACK_API_URL"] = slack.ApiUrl;
        return scenario.Start("Slack", environment);
    }

    private static (ChannelProcess Channel, string Url) StartEventsApi(ChannelScenario scenario, FakeSlackApi slack)
    {
        var port = TestPorts.GetFreeTcpPort();
        var environment = scenario.Environment(TestPorts.GetFreeTcpPort());
        environment["SLACK_BOT_TOKEN"] = slack.BotToken;
        environment["SLACK_SIGNING_SECRET"] = Secret;
        environment["SLACK_API_URL"] = slack.ApiUrl;
        environment["SLACK_EVENTS_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return (scenario.Start("Slack", environment), $"http://127.0.0.1:{port}/slack/events");
    }
}
