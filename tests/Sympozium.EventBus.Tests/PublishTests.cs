using System.Text.Json.Nodes;
using NATS.Client.Core;
using NATS.Client.JetStream.Models;
using Sympozium.Api.WellKnown;
using Sympozium.Testing;
using Sympozium.Testing.Probes;
using Xunit.Abstractions;

namespace Sympozium.EventBus.Tests;

public sealed class PublishTests(NatsServerFixture nats, ITestOutputHelper output) : IClassFixture<NatsServerFixture>
{
    [Fact]
    public async Task Event_travels_on_the_prefixed_subject_with_the_unprefixed_topic_in_its_envelope()
    {
        await using var bus = await TestBus.ConnectAsync(nats.Url, output);
        var topic = "agent.run.completed." + Guid.NewGuid().ToString("N");
        var metadata = new Dictionary<string, string> { ["agentRunID"] = "r1", ["instanceName"] = "alice" };

        var result = await bus.PublishAsync(topic, metadata, TestBus.Json("""{"status":"success"}"""));

        await using var probe = await JetStreamProbe.ConnectAsync(nats.Url);
        var stored = Assert.Single(await probe.ReadAsync("sympozium." + topic));
        var body = JsonNode.Parse(stored.Body)!.AsObject();
        Assert.Equal(["topic", "timestamp", "metadata", "data"], body.Select(p => p.Key));
        Assert.Equal(topic, body["topic"]!.GetValue<string>());
        Assert.Equal("r1", body["metadata"]!["agentRunID"]!.GetValue<string>());
        Assert.Equal("success", body["data"]!["status"]!.GetValue<string>());
        Assert.Equal(NatsSubjects.Stream, result.Stream);
        Assert.Equal(stored.Sequence, result.Sequence);
        Assert.False(result.Duplicate);
    }

    [Fact]
    public async Task Republishing_with_the_same_message_id_is_stored_once_and_reported_as_duplicate()
    {
        await using var bus = await TestBus.ConnectAsync(nats.Url, output);
        var topic = "agent.stream.chunk." + Guid.NewGuid().ToString("N");
        var envelope = EventEnvelope.Create(topic, null, TestBus.Json("""{"index":0}"""));

        var first = await bus.PublishAsync(envelope, "run-1:output/stream-0.json");
        var again = await bus.PublishAsync(envelope with { Timestamp = DateTimeOffset.UtcNow }, "run-1:output/stream-0.json");
        var other = await bus.PublishAsync(envelope, "run-1:output/stream-1.json");

        Assert.False(first.Duplicate);
        Assert.True(again.Duplicate);
        Assert.Equal(first.Sequence, again.Sequence);
        Assert.False(other.Duplicate);
        await using var probe = await JetStreamProbe.ConnectAsync(nats.Url);
        Assert.Equal(2, await probe.CountAsync("sympozium." + topic));
        Assert.Equal(["run-1:output/stream-0.json", "run-1:output/stream-1.json"], (await probe.ReadAsync("sympozium." + topic)).Select(e => e.MessageId));
    }

    [Fact]
    public async Task Publishing_after_the_stream_was_deleted_puts_the_stream_back()
    {
        await using var server = await NatsServer.StartAsync();
        await using var bus = await TestBus.ConnectAsync(server.Url, output);
        await using var probe = await JetStreamProbe.ConnectAsync(server.Url);
        await probe.JetStream.DeleteStreamAsync(NatsSubjects.Stream);

        var result = await bus.PublishAsync("schedule.upsert", null, TestBus.Json("{}"));

        Assert.Equal(1UL, result.Sequence);
        Assert.Equal(1, await probe.CountAsync("sympozium.schedule.upsert"));
    }

    [Fact]
    public async Task Event_larger_than_the_server_max_payload_fails_as_not_transient()
    {
        var config = Path.Combine(Path.GetTempPath(), "nats-max-payload-" + Guid.NewGuid().ToString("N") + ".conf");
        await File.WriteAllTextAsync(config, "max_payload: 4096\n");
        await using var server = await NatsServer.StartAsync(NatsServerOptions.Default with { ExtraArguments = ["-c", config] });
        await using var bus = await TestBus.ConnectAsync(server.Url, output);
        File.Delete(config);

        var error = await Assert.ThrowsAsync<EventBusPublishException>(() =>
            bus.PublishAsync("channel.message.send", null, TestBus.Json("\"" + new string('x', 10_000) + "\"")));

        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task Publish_while_the_server_is_down_fails_as_transient_and_works_once_it_is_back()
    {
        await using var server = await NatsServer.StartAsync();
        await using var bus = await TestBus.ConnectAsync(server.Url, output, o => o with { RequestTimeout = TimeSpan.FromSeconds(1) });
        await server.StopAsync();

        var error = await Assert.ThrowsAsync<EventBusPublishException>(() => bus.PublishAsync("agent.status.update", null, TestBus.Json("{}"), "s-1"));
        Assert.True(error.IsTransient);

        await server.StartAgainAsync();
        await TestBus.WaitUntilAsync(() => bus.IsConnected, TimeSpan.FromSeconds(15), "the reconnect");
        var result = await bus.PublishAsync("agent.status.update", null, TestBus.Json("{}"), "s-1");

        // The failed attempt may still have reached the server: the client keeps a publish it
        // could not send and sends it after the reconnect. The message id makes the retry safe
        // either way: stored once, and the retry is acknowledged (as a duplicate when it was).
        Assert.True(result.Sequence > 0);
        await using var probe = await JetStreamProbe.ConnectAsync(server.Url);
        Assert.Equal(1, await probe.CountAsync("sympozium.agent.status.update"));
    }
}
