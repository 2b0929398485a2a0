using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Sympozium.Channel.Discord.Internal;
using Sympozium.Channels;

namespace Sympozium.Channel.Discord;

/// <summary>
/// The Gateway WebSocket: HELLO → heartbeats every <c>heartbeat_interval</c> (the first after a
/// random fraction of it, as Discord asks), IDENTIFY (or RESUME with the session id and last
/// sequence after a reconnect), READY, then MESSAGE_CREATE dispatches. A missed HEARTBEAT_ACK,
/// op 7 RECONNECT or a dropped socket resumes; op 9 INVALID_SESSION (not resumable) or close
/// 4007/4009 identifies afresh. Close codes that no reconnect can fix (bad token, disallowed
/// intents) end the pod with exit 1 and a message naming the fix.
/// </summary>
internal sealed class DiscordGateway(DiscordOptions options, DiscordRestApi api, ILogger logger)
{
    private const int MaxFrame = 4 << 20;

    // Custom close code (4000–4999 are the application's): 1000/1001 would end the session, and we want to resume it.
    private const WebSocketCloseStatus ResumableClose = (WebSocketCloseStatus)4000;

    private Uri? _gatewayUrl;
    private string? _sessionId;
    private Uri? _resumeUrl;
    private string? _selfId;
    private long _sequence = -1;

    public async Task RunAsync(DiscordPlatform platform, InboundPublisher inbound, ChannelHealth health, CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            ConnectionEnd end;
            var connected = false;
            try
            {
                var resume = _sessionId is not null && _resumeUrl is not null;
                var url = resume ? _resumeUrl! : _gatewayUrl ??= await api.GetGatewayUrlAsync(cancellationToken).ConfigureAwait(false);
                using var socket = new ClientWebSocket();
                await WebSocketConnector.ConnectAsync(socket, WithVersion(url), WebSocketConnector.DefaultTimeout, cancellationToken).ConfigureAwait(false);
                connected = true;
                Log.GatewayConnected(logger, url.Host, resume ? "resume" : "identify");
                end = await RunConnectionAsync(socket, resume, platform, inbound, health, cancellationToken).ConfigureAwait(false);
                if (socket.State == WebSocketState.Open)
                {
                    using var close = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await socket.CloseOutputAsync(cancellationToken.IsCancellationRequested ? WebSocketCloseStatus.NormalClosure : ResumableClose, "reconnecting", close.Token).ConfigureAwait(false);
                }
            }
            catch (ChannelSendException e) when (e.IsPermanent)
            {
                Log.GatewayFatal(logger, 0, e.Message);
                throw new InvalidOperationException($"Discord refused the bot token ({e.Message}): check {DiscordOptions.TokenVariable} in the channel Secret.", e);
            }
            catch (Exception e) when (e is WebSocketException or HttpRequestException or ChannelSendException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                end = new ConnectionEnd(e.Message, Ready: false);
                if (!connected)
                {
                    // The gateway URL may have moved, and a resume URL that cannot be dialled is
                    // useless. A connection that dropped later keeps both: the session is resumed,
                    // and Discord replays what was dispatched meanwhile.
                    _gatewayUrl = null;
                    _resumeUrl = null;
                }
            }

            if (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            health.PlatformDown("gateway: " + end.Reason);
            failures = end.Ready ? 0 : failures + 1;
            var delay = end.Delay ?? (failures == 0 ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromSeconds(Math.Min(Math.Pow(2, failures - 1), 60)));
            Log.GatewayClosed(logger, end.Reason, delay);
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Serves one connection until it ends; returns why and whether it got READY/RESUMED.</summary>
    private async Task<ConnectionEnd> RunConnectionAsync(
        ClientWebSocket socket, bool resume, DiscordPlatform platform, InboundPublisher inbound, ChannelHealth health, CancellationToken cancellationToken)
    {
        var link = new Link(socket);
        using var heartbeatStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var heartbeat = Task.CompletedTask;
        var ready = false;
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        try
        {
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
                        return new ConnectionEnd($"a frame larger than {MaxFrame} bytes", ready);
                    }
                }
                while (!frame.EndOfMessage);

                if (frame.MessageType == WebSocketMessageType.Close)
                {
                    return Closed(socket, ready);
                }

                GatewayEvent? received;
                try
                {
                    received = JsonSerializer.Deserialize(buffer.WrittenSpan, DiscordJsonContext.Default.GatewayEvent);
                }
                catch (JsonException e)
                {
                    Log.GatewayBadFrame(logger, e.Message);
                    continue;
                }

                if (received is null)
                {
                    continue;
                }

                if (received.S is { } sequence)
                {
                    Volatile.Write(ref _sequence, sequence);
                }

                switch (received.Op)
                {
                    case GatewayOpcode.Hello:
                        var interval = TimeSpan.FromMilliseconds(Math.Max(Read(received.D, DiscordJsonContext.Default.HelloData)?.HeartbeatInterval ?? 41_250, 100));
                        heartbeat = HeartbeatAsync(link, interval, heartbeatStop.Token);
                        await (resume && _sessionId is { } session
                            ? link.SendAsync(new ResumeCommand(GatewayOpcode.Resume, new ResumeData(options.BotToken, session, Sequence)), DiscordJsonContext.Default.ResumeCommand, cancellationToken)
                            : link.SendAsync(Identify(), DiscordJsonContext.Default.IdentifyCommand, cancellationToken)).ConfigureAwait(false);
                        break;
                    case GatewayOpcode.HeartbeatAck:
                        link.Acknowledged();
                        break;
                    case GatewayOpcode.Heartbeat:
                        await link.SendAsync(new HeartbeatCommand(GatewayOpcode.Heartbeat, Sequence), DiscordJsonContext.Default.HeartbeatCommand, cancellationToken).ConfigureAwait(false);
                        break;
                    case GatewayOpcode.Reconnect:
                        return new ConnectionEnd("reconnect requested (op 7)", ready, TimeSpan.Zero);
                    case GatewayOpcode.InvalidSession:
                        if (received.D.ValueKind != JsonValueKind.True)
                        {
                            ForgetSession();
                        }

                        // Discord asks for a random 1–5 s wait before identifying again.
                        return new ConnectionEnd("invalid session (op 9)", ready, TimeSpan.FromMilliseconds(Random.Shared.Next(1000, 5000)));
                    case GatewayOpcode.Dispatch:
                        ready |= await DispatchAsync(received, platform, inbound, health, cancellationToken).ConfigureAwait(false);
                        break;
                }

                if (link.ZombieReason is { } zombie)
                {
                    return new ConnectionEnd(zombie, ready);
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException && link.ZombieReason is not null && !cancellationToken.IsCancellationRequested)
        {
            // Our own abort of a zombie connection ends the receive with one of these ("Aborted").
            return new ConnectionEnd(link.ZombieReason!, ready);
        }
        finally
        {
            await heartbeatStop.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false);
            link.Dispose();
        }
    }

    /// <summary>Handles one dispatch; true when the session is (again) ready.</summary>
    private async Task<bool> DispatchAsync(GatewayEvent received, DiscordPlatform platform, InboundPublisher inbound, ChannelHealth health, CancellationToken cancellationToken)
    {
        switch (received.T)
        {
            case "READY":
                var ready = Read(received.D, DiscordJsonContext.Default.ReadyData);
                _sessionId = ready?.SessionId;
                _resumeUrl = ready?.ResumeGatewayUrl is { } url && Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri : _gatewayUrl;
                _selfId = ready?.User?.Id;
                health.PlatformUp();
                Log.GatewayReady(logger, _selfId ?? "?", _sessionId ?? "?");
                return true;
            case "RESUMED":
                health.PlatformUp();
                Log.GatewayResumed(logger, Sequence);
                return true;
            case "MESSAGE_CREATE":
                if (Read(received.D, DiscordJsonContext.Default.DiscordMessage) is { } message && platform.Map(message, _selfId) is { } inboundMessage)
                {
                    await inbound.PublishAsync(inboundMessage, cancellationToken).ConfigureAwait(false);
                }

                return false;
            default:
                return false;
        }
    }

    private async Task HeartbeatAsync(Link link, TimeSpan interval, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(interval * Random.Shared.NextDouble(), cancellationToken).ConfigureAwait(false);
            while (true)
            {
                if (!link.TakeAcknowledgement())
                {
                    // No ACK for the last heartbeat: a zombie connection. Drop it and resume.
                    link.Abort("no heartbeat ack within " + interval.TotalMilliseconds + " ms");
                    return;
                }

                await link.SendAsync(new HeartbeatCommand(GatewayOpcode.Heartbeat, Sequence), DiscordJsonContext.Default.HeartbeatCommand, cancellationToken).ConfigureAwait(false);
                await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException)
        {
            // The connection ended; the receive loop reports why.
        }
    }

    private ConnectionEnd Closed(ClientWebSocket socket, bool ready)
    {
        var code = (int?)socket.CloseStatus ?? 0;
        var description = socket.CloseStatusDescription ?? "";
        var fix = code switch
        {
            4004 => $"authentication failed: check {DiscordOptions.TokenVariable}",
            4010 or 4011 => "sharding is required for this bot, which this pod does not do",
            4012 => "invalid API version: check DISCORD_API_URL ends in /api/v10",
            4013 => "invalid intents",
            4014 => "disallowed intents: enable the Message Content intent for the bot in the Discord developer portal",
            _ => null,
        };
        if (fix is not null)
        {
            Log.GatewayFatal(logger, code, description);
            throw new InvalidOperationException($"Discord gateway closed with {code} ({description}): {fix}.");
        }

        if (code is 4007 or 4009)
        {
            ForgetSession(); // Invalid sequence or session timed out: identify afresh.
        }

        return new ConnectionEnd($"closed by Discord ({code} {description})", ready);
    }

    private IdentifyCommand Identify() => new(
        GatewayOpcode.Identify,
        new IdentifyData(options.BotToken, DiscordOptions.Intents, new IdentifyProperties("linux", "sympozium", "sympozium")));

    private void ForgetSession()
    {
        _sessionId = null;
        _resumeUrl = null;
        Volatile.Write(ref _sequence, -1);
    }

    private long? Sequence => Volatile.Read(ref _sequence) is var s and >= 0 ? s : null;

    private static Uri WithVersion(Uri url) => new UriBuilder(url) { Query = "v=10&encoding=json" }.Uri;

    private static T? Read<T>(JsonElement data, JsonTypeInfo<T> type)
        where T : class
    {
        if (data.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        try
        {
            return data.Deserialize(type);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Why a connection ended, whether it had become ready, and a wait the protocol asks for.</summary>
    private sealed record ConnectionEnd(string Reason, bool Ready, TimeSpan? Delay = null);

    /// <summary>One connection's socket: sends serialised (heartbeats and commands), ack tracking, zombie abort.</summary>
    private sealed class Link(ClientWebSocket socket) : IDisposable
    {
        private readonly SemaphoreSlim _send = new(1, 1);
        private int _acknowledged = 1;
        private string? _zombieReason;

        public string? ZombieReason => Volatile.Read(ref _zombieReason);

        public void Acknowledged() => Volatile.Write(ref _acknowledged, 1);

        /// <summary>Whether the last heartbeat was acked; resets for the next one.</summary>
        public bool TakeAcknowledgement() => Interlocked.Exchange(ref _acknowledged, 0) == 1;

        public void Abort(string reason)
        {
            Volatile.Write(ref _zombieReason, reason);
            socket.Abort();
        }

        public async Task SendAsync<T>(T command, JsonTypeInfo<T> type, CancellationToken cancellationToken)
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(command, type);
            await _send.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _send.Release();
            }
        }

        public void Dispose() => _send.Dispose();
    }
}
