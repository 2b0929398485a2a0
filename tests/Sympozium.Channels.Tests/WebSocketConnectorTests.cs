using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;

namespace Sympozium.Channels.Tests;

public sealed class WebSocketConnectorTests
{
    [Fact]
    public async Task Server_that_accepts_but_never_answers_the_upgrade_fails_the_connect_at_its_deadline()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accepting = listener.AcceptTcpClientAsync(); // Accepted, then silent.
        using var socket = new ClientWebSocket();

        var error = await Assert.ThrowsAsync<WebSocketException>(() =>
            WebSocketConnector.ConnectAsync(socket, new Uri($"ws://127.0.0.1:{port}/gateway"), TimeSpan.FromMilliseconds(500), CancellationToken.None)
                .WaitAsync(TimeSpan.FromSeconds(30)));

        Assert.Contains("no WebSocket handshake from 127.0.0.1 within", error.Message, StringComparison.Ordinal);
        (await accepting).Dispose();
    }

    [Fact]
    public async Task Cancelling_the_caller_is_reported_as_cancellation_not_as_a_failed_handshake()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var socket = new ClientWebSocket();
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            WebSocketConnector.ConnectAsync(socket, new Uri($"ws://127.0.0.1:{port}/"), TimeSpan.FromSeconds(30), stop.Token)
                .WaitAsync(TimeSpan.FromSeconds(20)));
    }
}
