using System.Collections.Concurrent;
using Sympozium.Testing;
using Xunit.Abstractions;

namespace Sympozium.EventBus.Tests;

/// <summary>
/// Nothing is lost when a consumer or NATS restarts (upstream's ephemeral DeliverNew consumers
/// lost everything published while nobody listened: docs/design/upstream-fixes.md#dp-12).
/// </summary>
public sealed class DurableConsumerTests(ITestOutputHelper output)
{
    private const string Topic = "channel.message.received";
    private const string Subject = "sympozium." + Topic;

    [Fact]
    public async Task Durable_consumer_restarted_mid_stream_gets_the_rest_and_nothing_twice()
    {
        await using var server = await NatsServer.StartAsync();
        await using var bus = await TestBus.ConnectAsync(server.Url, output);
        await TestBus.PublishNumberedAsync(bus, Topic, 1, 20);
        var handled = new ConcurrentQueue<int>();
        var resumed = new ConcurrentQueue<int>();

        await using (var first = await bus.SubscribeAsync(TestBus.Durable("router", Subject) with { MaxInFlight = 2 }, async (e, stop) =>
        {
            handled.Enqueue(e.Envelope.Data.GetInt32());
            await Task.Delay(20, stop);
        }))
        {
            await TestBus.WaitUntilAsync(() => handled.Count >= 7, TimeSpan.FromSeconds(15), "7 events");
        }

        var stoppedAt = handled.Count;
        await using var second = await bus.SubscribeAsync(TestBus.Durable("router", Subject), (e, _) =>
        {
            resumed.Enqueue(e.Envelope.Data.GetInt32());
            return ValueTask.CompletedTask;
        });
        await TestBus.WaitUntilAsync(() => handled.Count + resumed.Count >= 20, TimeSpan.FromSeconds(15), "the other events");
        await Task.Delay(300);

        // The first consumer finished what it had pulled (its events are acked), the second got
        // exactly the rest.
        Assert.InRange(stoppedAt, 7, 20);
        Assert.Equal(handled.Count, stoppedAt);
        Assert.NotEmpty(resumed);
        Assert.Equal(Enumerable.Range(1, 20), handled.Concat(resumed).Order());
    }

    [Fact]
    public async Task Durable_consumer_loses_nothing_when_the_NATS_server_restarts_in_between()
    {
        await using var server = await NatsServer.StartAsync();
        await using var bus = await TestBus.ConnectAsync(server.Url, output);
        await TestBus.PublishNumberedAsync(bus, Topic, 1, 10);
        var seen = new ConcurrentDictionary<int, int>();
        ValueTask Record(ReceivedEvent e, CancellationToken _)
        {
            seen.AddOrUpdate(e.Envelope.Data.GetInt32(), 1, (_, n) => n + 1);
            return ValueTask.CompletedTask;
        }

        await using (var first = await bus.SubscribeAsync(TestBus.Durable("controller", Subject), Record))
        {
            await TestBus.WaitUntilAsync(() => seen.Count == 10, TimeSpan.FromSeconds(15), "the first 10 events");
        }

        await server.RestartAsync();
        await TestBus.WaitUntilAsync(() => bus.IsConnected, TimeSpan.FromSeconds(20), "the reconnect");
        await TestBus.PublishNumberedAsync(bus, Topic, 11, 10);

        await using var second = await bus.SubscribeAsync(TestBus.Durable("controller", Subject), Record);
        await TestBus.WaitUntilAsync(() => seen.Count == 20, TimeSpan.FromSeconds(20), "all 20 events");
        await Task.Delay(300);

        Assert.Equal(Enumerable.Range(1, 20), seen.Keys.Order());
        // Delivery is at-least-once: acks of events handled just before the restart may not have
        // reached the server's store (it syncs asynchronously), so those may come again; events
        // published after the restart arrive exactly once.
        Assert.All(Enumerable.Range(11, 10), n => Assert.Equal(1, seen[n]));
    }

    [Fact]
    public async Task Running_subscription_resumes_by_itself_after_the_NATS_server_restarts()
    {
        await using var server = await NatsServer.StartAsync();
        await using var bus = await TestBus.ConnectAsync(server.Url, output);
        var seen = new ConcurrentDictionary<int, bool>();
        await using var subscription = await bus.SubscribeAsync(TestBus.Durable("apiserver", Subject), (e, _) =>
        {
            seen[e.Envelope.Data.GetInt32()] = true;
            return ValueTask.CompletedTask;
        });
        await TestBus.PublishNumberedAsync(bus, Topic, 1, 5);
        await TestBus.WaitUntilAsync(() => seen.Count == 5, TimeSpan.FromSeconds(15), "5 events before the restart");

        await server.RestartAsync();
        await TestBus.WaitUntilAsync(() => bus.IsConnected, TimeSpan.FromSeconds(20), "the reconnect");
        await TestBus.PublishNumberedAsync(bus, Topic, 6, 5);

        // Within 20 s: the pull made before the restart died with the server, and waiting for the
        // client's idle heartbeat to notice takes about 30 s; the bus pulls afresh on reconnect.
        await TestBus.WaitUntilAsync(() => seen.Count == 10, TimeSpan.FromSeconds(20), "5 events after the restart");
        Assert.Equal(Enumerable.Range(1, 10), seen.Keys.Order());
    }

    [Fact]
    public async Task Subscription_recreates_a_lost_consumer_and_resumes_after_the_last_handled_event()
    {
        await using var server = await NatsServer.StartAsync();
        await using var bus = await TestBus.ConnectAsync(server.Url, output);
        var seen = new ConcurrentDictionary<int, int>();
        await using var subscription = await bus.SubscribeAsync(TestBus.Durable("router-lost", Subject), (e, _) =>
        {
            seen.AddOrUpdate(e.Envelope.Data.GetInt32(), 1, (_, n) => n + 1);
            return ValueTask.CompletedTask;
        });
        await TestBus.PublishNumberedAsync(bus, Topic, 1, 2);
        await TestBus.WaitUntilAsync(() => seen.Count == 2, TimeSpan.FromSeconds(15), "2 events");

        await using (var probe = await Sympozium.Testing.Probes.JetStreamProbe.ConnectAsync(server.Url))
        {
            await probe.JetStream.DeleteConsumerAsync("sympozium", "router-lost");
        }

        await TestBus.PublishNumberedAsync(bus, Topic, 3, 2);

        await TestBus.WaitUntilAsync(() => seen.Count == 4, TimeSpan.FromSeconds(30), "the events after the consumer was lost");
        await Task.Delay(300);
        Assert.Equal([1, 2, 3, 4], seen.Keys.Order());
        Assert.All(seen.Values, count => Assert.Equal(1, count)); // resumed, not replayed
    }

    [Fact]
    public async Task New_durable_consumer_receives_events_published_before_it_existed()
    {
        await using var server = await NatsServer.StartAsync();
        await using var bus = await TestBus.ConnectAsync(server.Url, output);
        await TestBus.PublishNumberedAsync(bus, "agent.followup.run-7", 1, 3);
        var seen = new ConcurrentQueue<int>();

        await using var subscription = await bus.SubscribeAsync(TestBus.Durable("ipc-bridge-followup-run-7", "sympozium.agent.followup.run-7"), (e, _) =>
        {
            seen.Enqueue(e.Envelope.Data.GetInt32());
            return ValueTask.CompletedTask;
        });

        await TestBus.WaitUntilAsync(() => seen.Count == 3, TimeSpan.FromSeconds(15), "the 3 earlier events");
        Assert.Equal([1, 2, 3], seen);
    }

    [Fact]
    public async Task Ephemeral_subscribers_see_only_later_events_and_each_sees_every_one()
    {
        await using var server = await NatsServer.StartAsync();
        await using var bus = await TestBus.ConnectAsync(server.Url, output);
        await TestBus.PublishNumberedAsync(bus, "agent.run.completed", 1, 2);
        var a = new ConcurrentQueue<int>();
        var b = new ConcurrentQueue<int>();

        await using var first = await bus.SubscribeAsync(SubscriptionOptions.Ephemeral("sympozium.agent.run.completed"), (e, _) =>
        {
            a.Enqueue(e.Envelope.Data.GetInt32());
            return ValueTask.CompletedTask;
        });
        await using var second = await bus.SubscribeAsync(SubscriptionOptions.Ephemeral("sympozium.agent.run.completed"), (e, _) =>
        {
            b.Enqueue(e.Envelope.Data.GetInt32());
            return ValueTask.CompletedTask;
        });
        await TestBus.PublishNumberedAsync(bus, "agent.run.completed", 3, 3);

        await TestBus.WaitUntilAsync(() => a.Count == 3 && b.Count == 3, TimeSpan.FromSeconds(15), "3 events on each subscriber");
        Assert.Equal([3, 4, 5], a);
        Assert.Equal([3, 4, 5], b);
        Assert.NotEqual(first.ConsumerName, second.ConsumerName);
    }

    [Fact]
    public async Task Event_is_acked_only_after_the_handler_finished()
    {
        await using var server = await NatsServer.StartAsync();
        await using var bus = await TestBus.ConnectAsync(server.Url, output);
        await TestBus.PublishNumberedAsync(bus, Topic, 1, 1);
        var release = new TaskCompletionSource();
        var deliveries = 0;

        var options = TestBus.Durable("slow", Subject) with { AckWait = TimeSpan.FromSeconds(2), StopTimeout = TimeSpan.FromMilliseconds(200) };
        await using (var slow = await bus.SubscribeAsync(options, async (_, stop) =>
        {
            Interlocked.Increment(ref deliveries);
            await release.Task.WaitAsync(stop);
        }))
        {
            await TestBus.WaitUntilAsync(() => deliveries == 1, TimeSpan.FromSeconds(15), "the first delivery");
        }

        // The handler never finished (it was cancelled on dispose): no ack, so the event comes
        // back to the next subscriber after AckWait.
        var redelivered = new TaskCompletionSource<ulong>();
        await using var next = await bus.SubscribeAsync(options, (e, _) =>
        {
            redelivered.TrySetResult(e.DeliveryCount);
            return ValueTask.CompletedTask;
        });

        Assert.Equal(2UL, await redelivered.Task.WaitAsync(TimeSpan.FromSeconds(15)));
    }

    [Fact]
    public async Task Consumer_names_from_run_ids_with_dots_are_made_valid()
    {
        Assert.Equal("ipc-bridge-followup-team_a_run_1", SubscriptionOptions.ConsumerName("ipc-bridge-followup-team.a run*1"));
        await using var server = await NatsServer.StartAsync();
        await using var bus = await TestBus.ConnectAsync(server.Url, output);

        Assert.Throws<ArgumentException>(() => bus.Subscribe(SubscriptionOptions.Ephemeral("sympozium.x") with { DurableName = "a.b" }, (_, _) => ValueTask.CompletedTask));
        await using var subscription = await bus.SubscribeAsync(SubscriptionOptions.Durable("run.with.dots", "sympozium.x"), (_, _) => ValueTask.CompletedTask);
        Assert.Equal("run_with_dots", subscription.ConsumerName);
    }
}
