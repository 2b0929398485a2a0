using Sympozium.Api.WellKnown;
using Sympozium.Testing;
using Sympozium.Testing.Probes;
using Xunit.Abstractions;

namespace Sympozium.EventBus.Tests;

/// <summary>
/// Every call that needs the server returns within its bound while the server is down: the
/// client waits for its reconnect inside requests without observing the caller's token, which
/// once hung a publish that tried to put the stream back while NATS was stopped.
/// </summary>
public sealed class ServerDownTests(ITestOutputHelper output)
{
    // Generous against CPU load, far below the 5-minute hang limit of the test run.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Stream_setup_while_the_server_is_down_fails_as_unavailable_instead_of_waiting_for_the_reconnect()
    {
        await using var server = await NatsServer.StartAsync();
        await using var bus = await TestBus.ConnectAsync(server.Url, output, o => o with { RequestTimeout = TimeSpan.FromSeconds(1), StreamSetupAttempts = 2 });
        await server.StopAsync();
        await TestBus.WaitUntilAsync(() => !bus.IsConnected, Bound, "the client to notice the server is gone");

        var setup = bus.EnsureStreamAsync();

        var error = await Assert.ThrowsAsync<EventBusUnavailableException>(() => setup.WaitAsync(Bound));
        Assert.Contains("could not be created or updated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_that_finds_no_stream_while_the_server_goes_down_fails_as_transient_within_its_bound()
    {
        // The path that hung: the publish is answered "no stream" (here: the stream was deleted),
        // and the server is gone by the time the bus tries to put the stream back.
        await using var server = await NatsServer.StartAsync();
        await using var bus = await TestBus.ConnectAsync(server.Url, output, o => o with { RequestTimeout = TimeSpan.FromSeconds(1) });
        await using (var probe = await JetStreamProbe.ConnectAsync(server.Url))
        {
            await probe.JetStream.DeleteStreamAsync(NatsSubjects.Stream);
        }

        bus.BeforeStreamRecovery = server.StopAsync;
        var publish = bus.PublishAsync("agent.status.update", null, TestBus.Json("{}"), "s-1");

        var error = await Assert.ThrowsAsync<EventBusPublishException>(() => publish.WaitAsync(Bound));
        Assert.True(error.IsTransient, error.Message);
    }

    [Fact]
    public async Task Disposing_a_bus_while_the_server_is_down_returns()
    {
        await using var server = await NatsServer.StartAsync();
        var bus = await TestBus.ConnectAsync(server.Url, output);
        await bus.SubscribeAsync(TestBus.Durable("down-" + Guid.NewGuid().ToString("N")[..8], "sympozium.agent.>"), (_, _) => ValueTask.CompletedTask);
        await server.StopAsync();

        await bus.DisposeAsync().AsTask().WaitAsync(Bound);
    }
}
