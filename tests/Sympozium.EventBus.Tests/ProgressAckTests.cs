using System.Collections.Concurrent;
using Sympozium.Testing;
using Sympozium.Testing.Probes;
using Xunit.Abstractions;

namespace Sympozium.EventBus.Tests;

/// <summary>
/// A handler that takes longer than the ack wait (a channel pod waiting out a platform's rate
/// limit) keeps its event by reporting progress, instead of having it delivered a second time
/// meanwhile (docs/design/event-bus.md#consumers).
/// </summary>
public sealed class ProgressAckTests(NatsServerFixture nats, ITestOutputHelper output) : IClassFixture<NatsServerFixture>
{
    [Fact]
    public async Task Handler_that_outlasts_ack_wait_while_reporting_progress_gets_its_event_once()
    {
        var subject = "sympozium.channel.message.send." + Guid.NewGuid().ToString("N");
        await using var bus = await TestBus.ConnectAsync(nats.Url, output);
        await bus.PublishAsync(subject["sympozium.".Length..], null, TestBus.Json("\"slow\""));
        var deliveries = new ConcurrentQueue<ulong>();
        var done = new TaskCompletionSource();

        var options = TestBus.Durable("slow-sender", subject) with
        {
            AckWait = TimeSpan.FromSeconds(1),
            ProgressInterval = TimeSpan.FromMilliseconds(250),
        };
        await using var subscription = await bus.SubscribeAsync(options, async (e, token) =>
        {
            deliveries.Enqueue(e.DeliveryCount);
            await Task.Delay(TimeSpan.FromSeconds(3.5), token); // Three and a half ack waits.
            done.TrySetResult();
        });

        await done.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await using var probe = await JetStreamProbe.ConnectAsync(nats.Url);
        var info = (await probe.JetStream.GetConsumerAsync("sympozium", "slow-sender")).Info;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (info.NumAckPending != 0)
        {
            await Task.Delay(50, deadline.Token); // Waits for the ack that follows the handler.
            info = (await probe.JetStream.GetConsumerAsync("sympozium", "slow-sender")).Info;
        }

        Assert.Equal([1UL], deliveries);
        Assert.Equal(0, info.NumRedelivered);
    }

    [Fact]
    public void Progress_interval_not_shorter_than_ack_wait_is_refused()
    {
        var options = SubscriptionOptions.Durable("x", "sympozium.x") with { AckWait = TimeSpan.FromSeconds(30), ProgressInterval = TimeSpan.FromSeconds(30) };

        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("ProgressInterval", error.Message, StringComparison.Ordinal);
    }
}
