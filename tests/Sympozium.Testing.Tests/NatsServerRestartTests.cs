using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Sympozium.Testing.Tests;

/// <summary>"NATS restarted mid-stream": what later integration tests rely on.</summary>
public sealed class NatsServerRestartTests
{
    [Fact]
    public async Task Restart_keeps_the_url_and_the_jetstream_messages()
    {
        var ct = Nats.Timeout(60);
        await using var server = await NatsServer.StartAsync(cancellationToken: ct);
        var url = server.Url;
        var firstPid = server.ProcessId;
        await using (var before = Nats.Connect(server))
        {
            var js = new NatsJSContext(before);
            await js.CreateStreamAsync(new StreamConfig("MEMORY", ["memory.>"]), ct);
            (await js.PublishAsync("memory.update", "remember this", cancellationToken: ct)).EnsureSuccess();
        }

        await server.RestartAsync(ct);

        Assert.Equal(url, server.Url);
        Assert.NotEqual(firstPid, server.ProcessId);
        await using var after = Nats.Connect(server);
        var consumer = await new NatsJSContext(after).CreateOrUpdateConsumerAsync("MEMORY", new ConsumerConfig("reader"), ct);
        Assert.Equal("remember this", await Nats.FetchOneAsync(consumer, ct));
    }

    [Fact]
    public async Task Open_connection_reconnects_when_the_server_starts_again()
    {
        var ct = Nats.Timeout(60);
        await using var server = await NatsServer.StartAsync(cancellationToken: ct);
        await using var nats = Nats.Connect(server);
        await nats.ConnectAsync();

        await server.StopAsync();
        Assert.Null(server.ProcessId);
        await WaitForAsync(() => nats.ConnectionState != NatsConnectionState.Open, ct);

        await server.StartAgainAsync(ct);
        await WaitForAsync(() => nats.ConnectionState == NatsConnectionState.Open, ct);

        await using var sub = await nats.SubscribeCoreAsync<string>("sympozium.test.after", cancellationToken: ct);
        await nats.PublishAsync("sympozium.test.after", "back", cancellationToken: ct);
        Assert.Equal("back", (await sub.Msgs.ReadAsync(ct)).Data);
    }

    [Fact]
    public async Task Start_again_while_running_is_refused()
    {
        var ct = Nats.Timeout();
        await using var server = await NatsServer.StartAsync(cancellationToken: ct);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => server.StartAgainAsync(ct));

        Assert.Contains("already running", error.Message, StringComparison.Ordinal);
    }

    private static async Task WaitForAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(50, cancellationToken);
        }
    }
}
