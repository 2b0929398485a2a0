using System.Text;
using System.Text.Json.Nodes;
using Sympozium.EventBus;
using Sympozium.Testing;
using Sympozium.Testing.Channels;
using Xunit.Abstractions;

namespace Sympozium.Channels.Tests;

/// <summary>
/// No reply is lost to a platform outage and none is sent twice after a crash: the real
/// channel-telegram process, the fake Bot API and a real nats-server, with a retry schedule of
/// milliseconds instead of minutes (docs/design/channels.md#outbound-delivery).
/// </summary>
public sealed class OutboundDeliveryTests(ITestOutputHelper output)
{
    private const string Chat = "-100123";
    private const string Consumer = "channel-telegram_team-a_alice";

    [Fact]
    public void Default_schedule_keeps_retrying_a_reply_for_at_least_30_minutes()
    {
        var options = OutboundDeliveryOptions.Default;
        var subscription = OutboundConsumer.Subscription(new ChannelOptions
        {
            Channel = "telegram",
            InstanceName = "alice",
            Namespace = "team-a",
            EventBus = EventBusOptions.Default,
        });

        Assert.True(options.RetriedFor >= TimeSpan.FromMinutes(30), $"retried for {options.RetriedFor} only");
        Assert.Equal(options.RetrySchedule.Count + 1, subscription.MaxDeliver);
        Assert.Equal(options.RetrySchedule, subscription.RedeliveryDelays);

        // Waits the bus actually makes: one after each delivery but the last.
        var waited = Enumerable.Range(1, subscription.MaxDeliver - 1).Aggregate(TimeSpan.Zero, (sum, n) => sum + subscription.RedeliveryDelays[Math.Min(n - 1, subscription.RedeliveryDelays.Count - 1)]);
        Assert.True(waited >= TimeSpan.FromMinutes(30), $"the bus waits {waited} in all");
        Assert.True(subscription.ProgressInterval < subscription.AckWait, "a slow send would be redelivered while it runs");
    }

    [Fact]
    public void Retry_schedule_that_is_not_a_list_of_durations_is_reported_by_variable_name()
    {
        var environment = new EnvironmentReader(name => name switch
        {
            "INSTANCE_NAME" => "alice",
            "POD_NAMESPACE" => "team-a",
            "OUTBOUND_RETRY_SCHEDULE" => "5s,soon,5m",
            _ => null,
        });

        var error = Assert.Throws<ChannelConfigurationException>(() => ChannelOptions.FromEnvironment("telegram", environment));
        Assert.StartsWith("OUTBOUND_RETRY_SCHEDULE='5s,soon,5m': 'soon' is not a positive duration", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reply_during_a_platform_outage_is_redelivered_on_the_schedule_and_sent_when_the_platform_recovers()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var telegram = await FakeTelegramApi.StartAsync();

        // Two deliveries of three HTTP attempts each meet a 502; the third delivery gets through.
        telegram.ScriptSend([.. Enumerable.Repeat(FakeReply.ServerError(), 6)]);
        var channel = StartTelegram(scenario, telegram, schedule: "300ms,300ms,300ms");
        await channel.WaitUntilReadyAsync();

        await scenario.PublishSendAsync(new JsonObject { ["channel"] = "telegram", ["chatId"] = Chat, ["text"] = "after the outage" });

        await channel.WaitForLogAsync("in 1 message(s)", ChannelScenario.Wait);
        var calls = telegram.SendMessageCalls;
        Assert.Equal(7, calls.Count);
        Assert.All(calls, c => Assert.Equal("after the outage", c.Field("text")));
        Assert.Contains("(delivery 1 of 4); the bus redelivers it: Telegram sendMessage: HTTP 502", channel.Log, StringComparison.Ordinal);
        Assert.Contains("(delivery 2 of 4); the bus redelivers it", channel.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reply_the_platform_never_takes_is_given_up_after_the_last_delivery_naming_the_chat_and_reason()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var telegram = await FakeTelegramApi.StartAsync();
        telegram.ScriptSend([.. Enumerable.Repeat(FakeReply.ServerError(), 20)]);
        var channel = StartTelegram(scenario, telegram, schedule: "300ms");
        await channel.WaitUntilReadyAsync();

        await scenario.PublishSendAsync(new JsonObject { ["channel"] = "telegram", ["chatId"] = Chat, ["text"] = "into the void" });

        await channel.WaitForLogAsync($"to chat {Chat} given up at part 1/1 after 2 deliveries over at least 00:00:00.3000000: Telegram sendMessage: HTTP 502: Bad Gateway", ChannelScenario.Wait);
        await WaitUntilSettledAsync(scenario);
        Assert.Equal(6, telegram.SendMessageCalls.Count); // Two deliveries of three attempts, then nothing.
    }

    [Fact]
    public async Task Reply_to_an_unreachable_platform_is_retried_by_the_bus_like_a_5xx_and_not_dropped_at_the_first_failure()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var telegram = await FakeTelegramApi.StartAsync();
        var environment = scenario.Environment(TestPorts.GetFreeTcpPort());
        environment["TELEGRAM_BOT_TOKEN"] = telegram.Token;
        environment["TELEGRAM_API_URL"] = "http://127.0.0.1:" + TestPorts.GetFreeTcpPort().ToString(System.Globalization.CultureInfo.InvariantCulture); // Nothing listens.
        environment["TELEGRAM_POLL_TIMEOUT"] = "2";
        environment["OUTBOUND_RETRY_SCHEDULE"] = "300ms";
        var channel = scenario.Start("Telegram", environment);
        await channel.WaitUntilReadyAsync();

        await scenario.PublishSendAsync(new JsonObject { ["channel"] = "telegram", ["chatId"] = Chat, ["text"] = "anyone there?" });

        await channel.WaitForLogAsync($"to chat {Chat} failed at part 1/1 (delivery 1 of 2); the bus redelivers it", ChannelScenario.Wait);
        await channel.WaitForLogAsync($"to chat {Chat} given up at part 1/1 after 2 deliveries", ChannelScenario.Wait);
        await WaitUntilSettledAsync(scenario);
    }

    [Fact]
    public async Task Chat_not_found_is_given_up_at_once_instead_of_being_retried_for_30_minutes()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await using var telegram = await FakeTelegramApi.StartAsync();
        telegram.ScriptSend(FakeReply.BadRequest("Bad Request: chat not found"));
        var channel = StartTelegram(scenario, telegram, schedule: "300ms,300ms,300ms");
        await channel.WaitUntilReadyAsync();

        await scenario.PublishSendAsync(new JsonObject { ["channel"] = "telegram", ["chatId"] = Chat, ["text"] = "hello?" });

        await channel.WaitForLogAsync($"to chat {Chat} failed for good at part 1/1; dropped: Telegram sendMessage: HTTP 400: Bad Request: chat not found", ChannelScenario.Wait);
        await WaitUntilSettledAsync(scenario);
        Assert.Single(telegram.SendMessageCalls);
    }

    [Fact]
    public async Task Pod_killed_after_part_2_of_4_sends_only_parts_3_and_4_after_it_restarts()
    {
        await using var scenario = await ChannelScenario.StartAsync(output);
        await scenario.Bus.EnsureBucketAsync(KeyValueBucket.OutboundProgress); // The controller's part.
        await using var telegram = await FakeTelegramApi.StartAsync();
        string[] parts = [new('a', 4000), new('b', 4000), new('c', 4000), new('d', 4000)];
        telegram.ScriptSend(new FakeReply(), new FakeReply(), FakeReply.Hang());
        var first = StartTelegram(scenario, telegram, ackWait: "2s");
        await first.WaitUntilReadyAsync();

        await scenario.PublishSendAsync(new JsonObject { ["channel"] = "telegram", ["chatId"] = Chat, ["text"] = string.Join('\n', parts) }, messageId: "reply/uid-1");

        // Parts 1 and 2 are delivered; part 3 hangs at the platform, and the pod dies.
        await telegram.WaitForSendsAsync(3, ChannelScenario.Wait);
        await first.KillAsync();
        var recorded = await scenario.Bus.GetValueAsync(KeyValueBucket.OutboundProgress, "team-a.alice.reply=2Fuid-1");
        Assert.StartsWith("2/4 ", Encoding.UTF8.GetString(recorded!), StringComparison.Ordinal);

        var second = StartTelegram(scenario, telegram, ackWait: "2s");
        await second.WaitForLogAsync("in 4 message(s)", ChannelScenario.Wait);

        var calls = telegram.SendMessageCalls;
        Assert.Equal(parts, calls.Take(3).Select(c => c.Field("text")).Append(calls[4].Field("text")));
        Assert.Equal(5, calls.Count); // The restarted pod sent parts 3 and 4 and nothing else.
        await WaitUntilSettledAsync(scenario);
    }

    /// <summary>Waits until the pod's consumer has nothing pending or unacknowledged: the event is done for good.</summary>
    private static async Task WaitUntilSettledAsync(ChannelScenario scenario)
    {
        using var deadline = new CancellationTokenSource(ChannelScenario.Wait);
        while (true)
        {
            var info = (await scenario.Probe.JetStream.GetConsumerAsync("sympozium", Consumer, deadline.Token)).Info;
            if (info.NumAckPending == 0 && info.NumPending == 0)
            {
                return;
            }

            await Task.Delay(50, deadline.Token);
        }
    }

    private static ChannelProcess StartTelegram(ChannelScenario scenario, FakeTelegramApi telegram, string? schedule = null, string? ackWait = null)
    {
        var environment = scenario.Environment(TestPorts.GetFreeTcpPort());
        environment["TELEGRAM_BOT_TOKEN"] = telegram.Token;
        environment["TELEGRAM_API_URL"] = telegram.BaseUrl;
        environment["TELEGRAM_POLL_TIMEOUT"] = "2";
        environment["OUTBOUND_RETRY_SCHEDULE"] = schedule;
        environment["OUTBOUND_ACK_WAIT"] = ackWait;
        return scenario.Start("Telegram", environment);
    }
}
