using System.Net.Sockets;
using System.Text.Json;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Sympozium.Testing.Tests;

public sealed class NatsServerTests
{
    [Fact]
    public async Task Started_server_carries_a_core_publish_subscribe_round_trip()
    {
        var ct = Nats.Timeout();
        await using var server = await NatsServer.StartAsync(cancellationToken: ct);
        await using var nats = Nats.Connect(server);
        await nats.ConnectAsync();

        await using var sub = await nats.SubscribeCoreAsync<string>("sympozium.test.greeting", cancellationToken: ct);
        await nats.PublishAsync("sympozium.test.greeting", "hello", cancellationToken: ct);
        var msg = await sub.Msgs.ReadAsync(ct);

        Assert.Equal("sympozium.test.greeting", msg.Subject);
        Assert.Equal("hello", msg.Data);
    }

    [Fact]
    public async Task JetStream_stream_stores_a_message_that_a_consumer_fetches()
    {
        var ct = Nats.Timeout();
        await using var server = await NatsServer.StartAsync(cancellationToken: ct);
        await using var nats = Nats.Connect(server);
        var js = new NatsJSContext(nats);

        await js.CreateStreamAsync(new StreamConfig("RUNS", ["runs.>"]), ct);
        var ack = await js.PublishAsync("runs.completed", "run-1 done", cancellationToken: ct);
        ack.EnsureSuccess();
        var consumer = await js.CreateOrUpdateConsumerAsync("RUNS", new ConsumerConfig("router"), ct);

        Assert.Equal(1ul, ack.Seq);
        Assert.Equal("run-1 done", await Nats.FetchOneAsync(consumer, ct));
    }

    [Fact]
    public async Task Server_listens_on_loopback_only_and_stores_in_its_own_directory()
    {
        var ct = Nats.Timeout();
        await using var server = await NatsServer.StartAsync(cancellationToken: ct);

        using var varz = JsonDocument.Parse(await server.GetMonitorJsonAsync("varz", ct));
        using var jsz = JsonDocument.Parse(await server.GetMonitorJsonAsync("jsz", ct));

        Assert.Equal("127.0.0.1", varz.RootElement.GetProperty("host").GetString());
        Assert.Equal(server.Port, varz.RootElement.GetProperty("port").GetInt32());
        Assert.Equal("127.0.0.1", varz.RootElement.GetProperty("http_host").GetString());
        Assert.Equal($"nats://127.0.0.1:{server.Port}", server.Url);
        Assert.NotNull(server.StoreDirectory);
        Assert.StartsWith(server.StoreDirectory, jsz.RootElement.GetProperty("config").GetProperty("store_dir").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_servers_get_different_ports_and_stores()
    {
        var ct = Nats.Timeout();
        await using var first = await NatsServer.StartAsync(cancellationToken: ct);
        await using var second = await NatsServer.StartAsync(cancellationToken: ct);

        Assert.NotEqual(first.Port, second.Port);
        Assert.NotEqual(first.StoreDirectory, second.StoreDirectory);
        Assert.True(first.IsRunning && second.IsRunning);
    }

    [Fact]
    public async Task Server_without_JetStream_has_no_store_and_still_serves_core_nats()
    {
        var ct = Nats.Timeout();
        await using var server = await NatsServer.StartAsync(NatsServerOptions.Default with { JetStream = false }, ct);
        await using var nats = Nats.Connect(server);

        var rtt = await nats.PingAsync(ct);

        Assert.Null(server.StoreDirectory);
        Assert.True(rtt >= TimeSpan.Zero);
    }

    [Fact]
    public async Task Dispose_stops_the_process_gracefully_and_deletes_the_store()
    {
        var server = await NatsServer.StartAsync(cancellationToken: Nats.Timeout());
        var pid = server.ProcessId!.Value;
        var store = server.StoreDirectory!;
        Assert.True(Directory.Exists($"/proc/{pid}"), "the server process should be running before dispose");
        Assert.True(Directory.Exists(store));

        await server.DisposeAsync();

        Assert.False(Directory.Exists($"/proc/{pid}"), $"nats-server pid {pid} is still present after dispose");
        Assert.False(Directory.Exists(store), $"store directory {store} is still present after dispose");
        Assert.False(server.IsRunning);
        Assert.Null(server.ProcessId);
        // SIGTERM, not SIGKILL: the server logged its own orderly shutdown.
        Assert.Contains("Server Exiting", server.RecentLog, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stopped_server_refuses_connections()
    {
        var ct = Nats.Timeout();
        await using var server = await NatsServer.StartAsync(cancellationToken: ct);

        await server.StopAsync();

        Assert.False(server.IsRunning);
        using var client = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(() => client.ConnectAsync("127.0.0.1", server.Port, ct).AsTask());
    }

    [Fact]
    public async Task Missing_executable_fails_with_the_install_command()
    {
        var options = NatsServerOptions.Default with { ExecutablePath = "/nonexistent/nats-server" };

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => NatsServer.StartAsync(options));

        Assert.Contains("/nonexistent/nats-server", error.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install -y nats-server", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_that_cannot_start_reports_its_own_log()
    {
        var options = NatsServerOptions.Default with { ExtraArguments = ["--no-such-flag"] };

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => NatsServer.StartAsync(options, Nats.Timeout()));

        Assert.Contains("exited with code", error.Message, StringComparison.Ordinal);
        Assert.Contains("no-such-flag", error.Message, StringComparison.Ordinal);
    }
}
