using System.Net.WebSockets;

namespace Sympozium.Channels;

/// <summary>
/// Opens a platform WebSocket with a deadline: <see cref="ClientWebSocket.ConnectAsync(Uri, CancellationToken)"/>
/// has none, so a server that accepts TCP but never answers the upgrade would hold the channel's
/// reconnect loop forever.
/// </summary>
public static class WebSocketConnector
{
    /// <summary>The handshake deadline (default 30 s).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <exception cref="WebSocketException">The handshake failed or did not finish within <paramref name="timeout"/>.</exception>
    public static async Task ConnectAsync(ClientWebSocket socket, Uri url, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(url, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new WebSocketException(WebSocketError.Faulted, $"no WebSocket handshake from {url.Host} within {timeout.TotalSeconds:0} s", e);
        }
    }
}
