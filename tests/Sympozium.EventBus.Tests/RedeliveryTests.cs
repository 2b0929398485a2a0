using System.Collections.Concurrent;
using Sympozium.Testing;
using Sympozium.Testing.Probes;
using Xunit.Abstractions;

namespace Sympozium.EventBus.Tests;

/// <summary>A failing handler gets the event again, but a poison event never loops forever
/// (docs/design/upstream-fixes.md#dp-12).</summary>
public sealed class RedeliveryTests(NatsServerFixture nats, ITestOutputHelper output) : IClassFixture<NatsServerFixture>
{
    [Fact]
    public async Task Handler_that_fails_twice_gets_the_event_a_third_time_and_it_is_then_acked()
    {
        var subject = "sympozium.schedule.upsert." + Guid.NewGuid().ToString("N");
        await using var bus = await TestBus.ConnectAsync(nats.Url, output);
        await bus.PublishAsync(subject["sympozium.".Length..], null, TestBus.Json("1"));
        var attempts = new ConcurrentQueue<ulong>();
        var succeeded = new TaskCompletionSource();

        await using var subscription = await bus.SubscribeAsync(TestBus.Durable("flaky", subject), (e, _) =>
        {
            attempts.Enqueue(e.DeliveryCount);
            if (e.DeliveryCount < 3)
            {
                throw new InvalidOperationException("the API server is down");
            }

            succeeded.TrySetResult();
            return ValueTask.CompletedTask;
        });

        await succeeded.Task.WaitAsync(TimeSpan.FromSeconds(15));
        await Task.Delay(500);
        Assert.Equal([1UL, 2UL, 3UL], attempts);
        await using var probe = await JetStreamProbe.ConnectAsync(nats.Url);
        var info = (await probe.JetStream.GetConsumerAsync("sympozium", "flaky")).Info;
        Assert.Equal(0, info.NumAckPending);
        Assert.Equal(0UL, info.NumPending);
    }

    [Fact]
    public async Task Poison_event_is_dropped_after_max_deliver_while_the_events_behind_it_are_handled()
    {
        var subject = "sympozium.agent.spawn.request." + Guid.NewGuid().ToString("N");
        var topic = subject["sympozium.".Length..];
        await using var bus = await TestBus.ConnectAsync(nats.Url, output);
        await bus.PublishAsync(topic, null, TestBus.Json("\"poison\""));
        await bus.PublishAsync(topic, null, TestBus.Json("\"fine\""));
        var poisonAttempts = 0;
        var fine = new TaskCompletionSource();

        await using var subscription = await bus.SubscribeAsync(TestBus.Durable("spawner", subject) with { MaxDeliver = 3 }, (e, _) =>
        {
            if (e.Envelope.Data.GetString() == "poison")
            {
                Interlocked.Increment(ref poisonAttempts);
                throw new FormatException("cannot handle this");
            }

            fine.TrySetResult();
            return ValueTask.CompletedTask;
        });

        await fine.Task.WaitAsync(TimeSpan.FromSeconds(15));
        await TestBus.WaitUntilAsync(() => Volatile.Read(ref poisonAttempts) == 3, TimeSpan.FromSeconds(15), "3 attempts at the poison event");
        await Task.Delay(1500);

        Assert.Equal(3, Volatile.Read(ref poisonAttempts));
        await using var probe = await JetStreamProbe.ConnectAsync(nats.Url);
        var info = (await probe.JetStream.GetConsumerAsync("sympozium", "spawner")).Info;
        Assert.Equal(0, info.NumAckPending);
        Assert.Equal(0, info.NumRedelivered);
    }

    [Fact]
    public async Task Body_that_is_not_an_envelope_is_dropped_at_once_instead_of_NAKed_forever()
    {
        var subject = "sympozium.channel.message.send." + Guid.NewGuid().ToString("N");
        await using var probe = await JetStreamProbe.ConnectAsync(nats.Url);
        await using var bus = await TestBus.ConnectAsync(nats.Url, output);
        await probe.JetStream.PublishAsync(subject, "not an envelope"u8.ToArray());
        await bus.PublishAsync(subject["sympozium.".Length..], null, TestBus.Json("\"good\""));
        var handled = new ConcurrentQueue<string?>();

        await using var subscription = await bus.SubscribeAsync(TestBus.Durable("channel", subject), (e, _) =>
        {
            handled.Enqueue(e.Envelope.Data.GetString());
            return ValueTask.CompletedTask;
        });

        await TestBus.WaitUntilAsync(() => !handled.IsEmpty, TimeSpan.FromSeconds(15), "the good event");
        await Task.Delay(500);
        Assert.Equal(["good"], handled);
        var info = (await probe.JetStream.GetConsumerAsync("sympozium", "channel")).Info;
        Assert.Equal(0, info.NumAckPending);
        Assert.Equal(0, info.NumRedelivered);
    }
}
