using System.Text.Json.Nodes;
using Sympozium.Testing;
using Sympozium.Testing.Channels;
using Xunit.Abstractions;

namespace Sympozium.Channels.Tests;

/// <summary>The real channel-discord process against the fake Discord gateway and REST API and a
/// real nats-server (docs/design/channels.md#discord).</summary>
public sealed class DiscordChannelTests(ITestOutputHelper output)
{
    private const string ChannelId = "200000000000000001";
    private const string UserId = "400000000000000001";

    [Fact]
    public async Task Identify_carries_the_token_and_the_message_intents_and_heartbeats_carry_the_sequence()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var discord = await FakeDiscordApi.StartAsync(heartbeatIntervalMs: 300);
        await using var channel = await StartAsync(scenario, discord);

        // Every IDENTIFY (one, unless a heartbeat ack came late under load and the client started afresh).
        Assert.All(discord.Identifies, identify =>
        {
            Assert.Equal(discord.BotToken, (string?)identify["token"]);
            Assert.Equal((1 << 9) | (1 << 12) | (1 << 15), (int?)identify["intents"]);
        });
        Assert.NotEmpty(discord.Identifies);
        await discord.WaitForHeartbeatsAsync(3, ChannelScenario.Wait);
        Assert.True(discord.Heartbeats[^1] >= 1, "a heartbeat after READY carries the last sequence number");
    }

    [Fact]
    public async Task User_message_is_published_with_channel_sender_and_guild()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var discord = await FakeDiscordApi.StartAsync();
        await using var channel = await StartAsync(scenario, discord);

        var id = await discord.DispatchMessageAsync(ChannelId, UserId, "ada", "what changed in the cluster today?");

        var stored = Assert.Single(await scenario.WaitForReceivedAsync(1));
        Assert.Equal("alice", stored.Envelope.Metadata["instanceName"]);
        Assert.Equal("team-a", stored.Envelope.Metadata["namespace"]);
        Assert.Equal("discord", stored.Envelope.Metadata["channel"]);
        var data = JsonNode.Parse(stored.Envelope.Data.GetRawText())!;
        Assert.Equal("discord", (string?)data["channel"]);
        Assert.Equal(UserId, (string?)data["senderId"]);
        Assert.Equal("ada", (string?)data["senderName"]);
        Assert.Equal(ChannelId, (string?)data["chatId"]);
        Assert.Equal("what changed in the cluster today?", (string?)data["text"]);
        Assert.Equal(id, (string?)data["messageId"]);
        Assert.Equal(id, (string?)data["metadata"]!["messageId"]);
        Assert.Equal("300000000000000001", (string?)data["metadata"]!["guildId"]);
        Assert.Equal($"discord/team-a/alice/{ChannelId}/{id}", stored.MessageId);
    }

    [Fact]
    public async Task Messages_by_bots_including_itself_and_empty_messages_are_not_published()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var discord = await FakeDiscordApi.StartAsync();
        await using var channel = await StartAsync(scenario, discord);

        await discord.DispatchMessageAsync(ChannelId, FakeDiscordApi.BotUserId, "sympozium", "my own reply", bot: true);
        await discord.DispatchMessageAsync(ChannelId, "500000000000000001", "otherbot", "another bot talking", bot: true);
        await discord.DispatchMessageAsync(ChannelId, UserId, "ada", "");
        await discord.DispatchMessageAsync(ChannelId, UserId, "ada", "a real question", guildId: null);

        var stored = Assert.Single(await scenario.WaitForReceivedAsync(1));
        var data = JsonNode.Parse(stored.Envelope.Data.GetRawText())!;
        Assert.Equal("a real question", (string?)data["text"]);
        Assert.Null(data["metadata"]!["guildId"]); // A direct message has no guild.
        await Task.Delay(300);
        Assert.Single(await scenario.ReceivedAsync());
    }

    [Fact]
    public async Task Reconnect_request_resumes_the_session_at_the_last_sequence_and_keeps_publishing()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var discord = await FakeDiscordApi.StartAsync(heartbeatIntervalMs: 5000);
        await using var channel = await StartAsync(scenario, discord);
        await discord.DispatchMessageAsync(ChannelId, UserId, "ada", "first");
        await scenario.WaitForReceivedAsync(1);
        var sequence = discord.LastSequence;

        await discord.RequestReconnectAsync();
        await discord.WaitForSessionAsync(ChannelScenario.Wait);

        Assert.Equal(2, discord.Connections);
        Assert.Single(discord.Identifies);
        var resume = Assert.Single(discord.Resumes);
        Assert.Equal(discord.SessionId, (string?)resume["session_id"]);
        Assert.Equal(sequence, (long?)resume["seq"]);
        Assert.Equal(discord.BotToken, (string?)resume["token"]);
        await discord.DispatchMessageAsync(ChannelId, UserId, "ada", "second");
        var stored = await scenario.WaitForReceivedAsync(2);
        Assert.Equal("second", (string?)JsonNode.Parse(stored[1].Envelope.Data.GetRawText())!["text"]);
    }

    [Fact]
    public async Task Connection_dropped_after_ready_is_resumed_and_messages_sent_meanwhile_are_published()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var discord = await FakeDiscordApi.StartAsync();
        await using var channel = await StartAsync(scenario, discord);

        discord.DropConnection();
        await discord.DispatchMessageAsync(ChannelId, UserId, "ada", "sent while the gateway was away");
        await channel.WaitForLogAsync("Gateway session resumed", ChannelScenario.Wait);

        var stored = Assert.Single(await scenario.WaitForReceivedAsync(1));
        Assert.Equal("sent while the gateway was away", (string?)JsonNode.Parse(stored.Envelope.Data.GetRawText())!["text"]);
        Assert.Single(discord.Identifies);
        Assert.Equal(discord.SessionId, (string?)Assert.Single(discord.Resumes)["session_id"]);
    }

    [Fact]
    public async Task Zombie_connection_without_heartbeat_acks_is_resumed_not_identified_again_and_loses_no_message()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var discord = await FakeDiscordApi.StartAsync(heartbeatIntervalMs: 500);
        await using var channel = await StartAsync(scenario, discord);
        var identifies = discord.Identifies.Count;

        discord.AcknowledgeHeartbeats = false;
        await discord.DispatchMessageAsync(ChannelId, UserId, "ada", "before the zombie");
        await channel.WaitForLogAsync("Gateway session resumed", ChannelScenario.Wait);
        discord.AcknowledgeHeartbeats = true;
        await discord.DispatchMessageAsync(ChannelId, UserId, "ada", "after the zombie");

        var stored = await scenario.WaitForReceivedAsync(2);
        Assert.Equal(["before the zombie", "after the zombie"], stored.Select(s => (string?)JsonNode.Parse(s.Envelope.Data.GetRawText())!["text"]));
        Assert.Equal(identifies, discord.Identifies.Count);
        Assert.NotEmpty(discord.Resumes);
    }

    [Fact]
    public async Task Reply_for_this_instance_is_posted_with_the_bot_token_and_split_at_2000_characters()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var discord = await FakeDiscordApi.StartAsync();
        await using var channel = await StartAsync(scenario, discord);
        var text = string.Join(' ', Enumerable.Range(0, 900).Select(i => "word" + i)); // About 7,000 characters.

        await scenario.PublishSendAsync(new JsonObject { ["channel"] = "discord", ["chatId"] = ChannelId, ["text"] = text });

        var calls = await discord.WaitForPostsAsync(4, ChannelScenario.Wait);
        Assert.All(calls, call =>
        {
            Assert.Equal(ChannelId, call.Method);
            Assert.Equal("Bot " + discord.BotToken, call.Header("Authorization"));
            Assert.InRange(call.Field("content")!.Length, 1, 2000);
            Assert.Empty(call.Body!["allowed_mentions"]!["parse"]!.AsArray());
        });
        Assert.Equal(text, string.Join(' ', calls.Select(c => c.Field("content"))));
        await Task.Delay(300);
        Assert.Equal(4, discord.MessageCalls.Count);
    }

    [Fact]
    public async Task Rate_limited_reply_waits_the_retry_after_from_the_body_and_is_posted_once()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var discord = await FakeDiscordApi.StartAsync();
        discord.ScriptPost(FakeReply.RateLimited(2)); // retry_after 0.5 s in the body.
        await using var channel = await StartAsync(scenario, discord);

        await scenario.PublishSendAsync(new JsonObject { ["channel"] = "discord", ["chatId"] = ChannelId, ["text"] = "after the limit" });

        var calls = await discord.WaitForPostsAsync(2, ChannelScenario.Wait);
        Assert.All(calls, call => Assert.Equal("after the limit", call.Field("content")));
        Assert.True(calls[1].ReceivedAt - calls[0].ReceivedAt >= TimeSpan.FromMilliseconds(450), $"retried after {(calls[1].ReceivedAt - calls[0].ReceivedAt).TotalMilliseconds} ms");
        await Task.Delay(300);
        Assert.Equal(2, discord.MessageCalls.Count);
    }

    [Fact]
    public async Task Reply_for_another_instance_is_not_posted()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var discord = await FakeDiscordApi.StartAsync();
        await using var channel = await StartAsync(scenario, discord);

        await scenario.PublishSendAsync(new JsonObject { ["channel"] = "discord", ["chatId"] = ChannelId, ["text"] = "for bob's users" }, instance: "bob");
        await scenario.PublishSendAsync(new JsonObject { ["channel"] = "discord", ["chatId"] = ChannelId, ["text"] = "for alice's users" });

        var call = Assert.Single(await discord.WaitForPostsAsync(1, ChannelScenario.Wait));
        Assert.Equal("for alice's users", call.Field("content"));
        await Task.Delay(500);
        Assert.Single(discord.MessageCalls);
    }

    private async Task<ChannelProcess> StartAsync(ChannelScenario scenario, FakeDiscordApi discord)
    {
        var environment = scenario.Environment(TestPorts.GetFreeTcpPort());
        environment["DISCORD_BOT_TOKEN"] = discord.BotToken;
        environment["DISCORD_API_URL"] = discord.ApiUrl;
        var channel = ChannelProcess.Start("Discord", scenario.WithCredentials("Discord", environment), output);
        try
        {
            await channel.WaitUntilReadyAsync();

            // The client has read READY (the fake's own session starts when it sends it).
            await channel.WaitForLogAsync("Gateway ready as", ChannelScenario.Wait);
            return channel;
        }
        catch
        {
            await channel.DisposeAsync();
            throw;
        }
    }
}
