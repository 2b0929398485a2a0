using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sympozium.Channel.Slack.Internal;
using Sympozium.Channels;

namespace Sympozium.Channel.Slack;

/// <summary>
/// Socket Mode: a WebSocket to the URL apps.connections.open hands out. Each <c>events_api</c>
/// envelope is published, then acked; <c>disconnect</c> (Slack refreshes connections every few
/// hours) reconnects at once; a lost connection reconnects with backoff.
/// </summary>
/// <remarks>
/// Ack after publish, not before (upstream acked first): if the pod dies in between, Slack
/// sends the envelope again and the bus drops the duplicate by its message id, so nothing is
/// lost. Publishing takes milliseconds, well inside Slack's 3 s.
/// </remarks>
internal sealed class SlackSocketMode(SlackWebApi api, ILogger logger)
{
    private const int MaxFrame = 1 << 20;

    public async Task RunAsync(InboundPublisher inbound, ChannelHealth health, CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            string reason;
            try
            {
                var url = await api.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                using var socket = new ClientWebSocket();

                // Ping Slack and give up on a connection that stops answering (a dead NAT entry).
                socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(30);
                socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(30);
                await WebSocketConnector.ConnectAsync(socket, url, WebSocketConnector.DefaultTimeout, cancellationToken).ConfigureAwait(false);
                Log.SocketConnected(logger, url.Host);
                reason = await ReceiveAsync(socket, inbound, health, () => failures = 0, cancellationToken).ConfigureAwait(false);
                if (socket.State == WebSocketState.Open)
                {
                    using var close = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "reconnecting", close.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is WebSocketException or HttpRequestException or ChannelSendException or IOException or JsonException && !cancellationToken.IsCancellationRequested)
            {
                reason = e.Message;
                failures++;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                reason = "timed out";
                failures++;
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            health.PlatformDown("socket mode: " + reason);
            var delay = failures == 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Min(Math.Pow(2, failures - 1), 30));
            Log.SocketClosed(logger, reason, delay);
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads frames until Slack asks to reconnect or the socket closes; returns why.</summary>
    private async Task<string> ReceiveAsync(ClientWebSocket socket, InboundPublisher inbound, ChannelHealth health, Action connected, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        while (true)
        {
            buffer.ResetWrittenCount();
            ValueWebSocketReceiveResult frame;
            do
            {
                frame = await socket.ReceiveAsync(buffer.GetMemory(8 * 1024), cancellationToken).ConfigureAwait(false);
                buffer.Advance(frame.Count);
                if (buffer.WrittenCount > MaxFrame)
                {
                    return $"a frame larger than {MaxFrame} bytes";
                }
            }
            while (!frame.EndOfMessage);

            if (frame.MessageType == WebSocketMessageType.Close)
            {
                return $"closed by Slack ({socket.CloseStatus} {socket.CloseStatusDescription})";
            }

            SocketModeEnvelope? envelope;
            try
            {
                envelope = JsonSerializer.Deserialize(buffer.WrittenSpan, SlackJsonContext.Default.SocketModeEnvelope);
            }
            catch (JsonException e)
            {
                Log.SocketBadFrame(logger, e.Message);
                continue;
            }

            switch (envelope?.Type)
            {
                case "hello":
                    health.PlatformUp();
                    connected();
                    Log.SocketHello(logger);
                    break;
                case "disconnect":
                    return "disconnect requested (" + (envelope.Reason ?? "no reason") + ")";
                case "events_api":
                    if (SlackEventMapper.Map(envelope.Payload?.Event) is { } message)
                    {
                        await inbound.PublishAsync(message, cancellationToken).ConfigureAwait(false);
                    }

                    await AckAsync(socket, envelope, cancellationToken).ConfigureAwait(false);
                    break;
                default:
                    // slash_commands, interactive, …: not handled, but acked so Slack does not retry.
                    await AckAsync(socket, envelope, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }
    }

    private static async Task AckAsync(ClientWebSocket socket, SocketModeEnvelope? envelope, CancellationToken cancellationToken)
    {
        if (envelope?.EnvelopeId is not { Length: > 0 } id)
        {
            return;
        }

        var ack = JsonSerializer.SerializeToUtf8Bytes(new SocketModeAck(id), SlackJsonContext.Default.SocketModeAck);
        await socket.SendAsync(ack, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
    }
}
