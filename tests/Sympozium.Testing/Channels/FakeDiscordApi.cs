using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Sympozium.Testing.Channels;

/// <summary>
/// Discord's REST API and Gateway as a local server, speaking their wire formats.
/// <c>GET /api/v10/gateway/bot</c> (Bot token) returns a <c>ws://</c> URL served here; each
/// connection gets HELLO (<see cref="HeartbeatIntervalMs"/>: 5 s unless a test shortens it; Discord
/// asks for about 41 s, and an interval shorter than a loaded machine's stalls makes the client
/// see zombie connections), then READY after IDENTIFY
/// or RESUMED after RESUME; heartbeats are acked and counted. The test dispatches
/// MESSAGE_CREATE (<see cref="DispatchMessageAsync"/>), asks for op 7 RECONNECT, drops the
/// connection or stops acking heartbeats. As Discord does, every dispatch of the session is kept:
/// one made while no client is connected waits, and a RESUME replays what came after its
/// sequence number before RESUMED.
/// <c>POST /api/v10/channels/{id}/messages</c> is recorded and answered from a script
/// (default: the created message; a 429 carries <c>retry_after</c> in the body).
/// </summary>
public sealed class FakeDiscordApi : IAsyncDisposable
{
    /// <summary>The bot's own user id, as READY reports it.</summary>
    public const string BotUserId = "100000000000000001";

    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<RecordedCall> _calls = [];
    private readonly List<JsonNode> _identifies = [];
    private readonly List<JsonNode> _resumes = [];
    private readonly List<long?> _heartbeats = [];
    private readonly Queue<FakeReply> _postScript = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(long Sequence, JsonObject Frame)> _session = [];
    private WebSocket? _socket; // The connection that has identified or resumed; null between connections.
    private readonly SemaphoreSlim _send = new(1, 1);
    private volatile bool _ackHeartbeats = true;
    private TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _sequence;
    private long _snowflake = 1_200_000_000_000_000_000;
    private int _connections;

    private FakeDiscordApi(WebApplication app, string botToken, int heartbeatIntervalMs)
    {
        _app = app;
        BotToken = botToken;
        HeartbeatIntervalMs = heartbeatIntervalMs;
    }

    /// <summary>Root URL, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>The REST root (what DISCORD_API_URL holds): <c>{BaseUrl}/api/v10</c>.</summary>
    public string ApiUrl => BaseUrl + "/api/v10";

    public string BotToken { get; }

    /// <summary>The heartbeat_interval HELLO announces, in milliseconds.</summary>
    public int HeartbeatIntervalMs { get; }

    /// <summary>The session id READY hands out.</summary>
    public string SessionId { get; } = "session-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Gateway connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>The <c>d</c> of every IDENTIFY received.</summary>
    public IReadOnlyList<JsonNode> Identifies => Snapshot(_identifies);

    /// <summary>The <c>d</c> of every RESUME received.</summary>
    public IReadOnlyList<JsonNode> Resumes => Snapshot(_resumes);

    /// <summary>The sequence number (<c>d</c>) of every heartbeat received.</summary>
    public IReadOnlyList<long?> Heartbeats => Snapshot(_heartbeats);

    /// <summary>The create-message calls so far (including those answered with an error); <see cref="RecordedCall.Method"/> is the channel id.</summary>
    public IReadOnlyList<RecordedCall> MessageCalls => Snapshot(_calls);

    public static async Task<FakeDiscordApi> StartAsync(string botToken = "discord-test-token", int heartbeatIntervalMs = 5000, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        app.UseWebSockets();
        var fake = new FakeDiscordApi(app, botToken, heartbeatIntervalMs);
        app.MapGet("/api/v10/gateway/bot", fake.HandleGatewayBotAsync);
        app.MapPost("/api/v10/channels/{id}/messages", fake.HandleCreateMessageAsync);
        app.Map("/gateway", fake.HandleGatewayAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        fake.BaseUrl = app.Urls.First().TrimEnd('/');
        return fake;
    }

    /// <summary>Appends scripted answers for the next create-message calls.</summary>
    public FakeDiscordApi ScriptPost(params FakeReply[] replies)
    {
        ArgumentNullException.ThrowIfNull(replies);
        lock (_gate)
        {
            foreach (var reply in replies)
            {
                _postScript.Enqueue(reply);
            }
        }

        return this;
    }

    /// <summary>Waits until a client has identified (READY sent) or resumed (RESUMED sent) on the current connection.</summary>
    public Task WaitForSessionAsync(TimeSpan timeout)
    {
        lock (_gate)
        {
            return _ready.Task.WaitAsync(timeout);
        }
    }

    /// <summary>Dispatches MESSAGE_CREATE; returns the message id.</summary>
    public async Task<string> DispatchMessageAsync(string channelId, string authorId, string username, string content, bool bot = false, string? guildId = "300000000000000001")
    {
        var id = NextSnowflake();
        var message = new JsonObject
        {
            ["id"] = id,
            ["channel_id"] = channelId,
            ["author"] = new JsonObject { ["id"] = authorId, ["username"] = username, ["global_name"] = username + " (display)", ["bot"] = bot ? true : null },
            ["content"] = content,
            ["timestamp"] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            ["type"] = 0,
        };
        if (guildId is not null)
        {
            message["guild_id"] = guildId;
        }

        await DispatchAsync("MESSAGE_CREATE", message).ConfigureAwait(false);
        return id;
    }

    /// <summary>Sends op 7 RECONNECT, as Discord does before moving a session.</summary>
    public async Task RequestReconnectAsync()
    {
        lock (_gate)
        {
            ExpectNewSession();
        }

        await SendLiveAsync(new JsonObject { ["op"] = 7, ["d"] = null }).ConfigureAwait(false);
    }

    /// <summary>Drops the current connection without a close frame (a network failure); the session stays resumable.</summary>
    public void DropConnection()
    {
        WebSocket socket;
        lock (_gate)
        {
            socket = _socket ?? throw new InvalidOperationException("No gateway client is connected to the fake.");
            _socket = null;
            ExpectNewSession();
        }

        socket.Abort();
    }

    /// <summary>Whether heartbeats get HEARTBEAT_ACK (default true); false makes the connection a zombie to the client.</summary>
    public bool AcknowledgeHeartbeats
    {
        get => _ackHeartbeats;
        set => _ackHeartbeats = value;
    }

    /// <summary>The last sequence number dispatched.</summary>
    public long LastSequence => Interlocked.Read(ref _sequence);

    /// <summary>Waits until at least <paramref name="count"/> create-message calls have arrived.</summary>
    public async Task<IReadOnlyList<RecordedCall>> WaitForPostsAsync(int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (MessageCalls.Count < count)
        {
            try
            {
                await Task.Delay(20, cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"expected {count} create-message calls within {timeout.TotalSeconds:0.#} s, got {MessageCalls.Count}");
            }
        }

        return MessageCalls;
    }

    /// <summary>Waits until at least <paramref name="count"/> heartbeats have arrived.</summary>
    public async Task WaitForHeartbeatsAsync(int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (Heartbeats.Count < count)
        {
            try
            {
                await Task.Delay(20, cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"expected {count} heartbeats within {timeout.TotalSeconds:0.#} s, got {Heartbeats.Count}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
        _send.Dispose();
    }

    private IReadOnlyList<T> Snapshot<T>(List<T> list)
    {
        lock (_gate)
        {
            return [.. list];
        }
    }

    private string NextSnowflake() => Interlocked.Increment(ref _snowflake).ToString(CultureInfo.InvariantCulture);

    private bool Authorized(HttpContext context) => context.Request.Headers.Authorization.ToString() == "Bot " + BotToken;

    private async Task HandleGatewayBotAsync(HttpContext context)
    {
        if (!Authorized(context))
        {
            await WriteAsync(context, 401, new JsonObject { ["message"] = "401: Unauthorized", ["code"] = 0 }).ConfigureAwait(false);
            return;
        }

        await WriteAsync(context, 200, new JsonObject
        {
            ["url"] = GatewayUrl,
            ["shards"] = 1,
            ["session_start_limit"] = new JsonObject { ["total"] = 1000, ["remaining"] = 999, ["reset_after"] = 14400000, ["max_concurrency"] = 1 },
        }).ConfigureAwait(false);
    }

    private string GatewayUrl => BaseUrl.Replace("http://", "ws://", StringComparison.Ordinal) + "/gateway";

    private async Task HandleCreateMessageAsync(HttpContext context)
    {
        var channelId = (string)context.Request.RouteValues["id"]!;
        JsonNode? body;
        using (var reader = new StreamReader(context.Request.Body))
        {
            var text = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
            try
            {
                body = text.Length > 0 ? JsonNode.Parse(text) : null;
            }
            catch (JsonException)
            {
                await WriteAsync(context, 400, new JsonObject { ["message"] = "400: Bad Request", ["code"] = 50109 }).ConfigureAwait(false);
                return;
            }
        }

        lock (_gate)
        {
            _calls.Add(new RecordedCall(
                channelId,
                context.Request.QueryString.Value ?? "",
                context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
                body,
                DateTimeOffset.UtcNow));
        }

        if (!Authorized(context))
        {
            await WriteAsync(context, 401, new JsonObject { ["message"] = "401: Unauthorized", ["code"] = 0 }).ConfigureAwait(false);
            return;
        }

        FakeReply? reply;
        lock (_gate)
        {
            _postScript.TryDequeue(out reply);
        }

        if (reply is { Status: 429 })
        {
            await WriteAsync(context, 429, new JsonObject
            {
                ["message"] = "You are being rate limited.",
                ["retry_after"] = (reply.RetryAfterSeconds ?? 1) / 4.0,
                ["global"] = false,
            }).ConfigureAwait(false);
            return;
        }

        if (reply is { } scripted && scripted.Status != 200)
        {
            await WriteAsync(context, scripted.Status, new JsonObject { ["message"] = scripted.Error ?? "error", ["code"] = 0 }).ConfigureAwait(false);
            return;
        }

        var content = body?["content"]?.ToString() ?? "";
        if (content.Length is 0 or > 2000)
        {
            await WriteAsync(context, 400, new JsonObject { ["message"] = "Invalid Form Body", ["code"] = 50035 }).ConfigureAwait(false);
            return;
        }

        await WriteAsync(context, 200, new JsonObject
        {
            ["id"] = NextSnowflake(),
            ["channel_id"] = channelId,
            ["content"] = content,
            ["author"] = new JsonObject { ["id"] = BotUserId, ["username"] = "sympozium", ["bot"] = true },
        }).ConfigureAwait(false);
    }

    private async Task HandleGatewayAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        Interlocked.Increment(ref _connections);
        await SendOnAsync(socket, new JsonObject { ["op"] = 10, ["d"] = new JsonObject { ["heartbeat_interval"] = HeartbeatIntervalMs } }).ConfigureAwait(false);

        var buffer = new byte[64 * 1024];
        try
        {
            while (socket.State == WebSocketState.Open && !_stop.IsCancellationRequested)
            {
                var result = await socket.ReceiveAsync(buffer, _stop.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).ConfigureAwait(false);
                    break;
                }

                var frame = JsonNode.Parse(buffer.AsSpan(0, result.Count))!;
                var data = frame["d"]?.DeepClone();
                switch ((int?)frame["op"])
                {
                    case 1:
                        lock (_gate)
                        {
                            _heartbeats.Add(data is JsonValue v ? v.GetValue<long>() : null);
                        }

                        if (_ackHeartbeats)
                        {
                            await SendOnAsync(socket, new JsonObject { ["op"] = 11 }).ConfigureAwait(false);
                        }

                        break;
                    case 2:
                        lock (_gate)
                        {
                            _identifies.Add(data!);
                        }

                        await StartSessionAsync(socket).ConfigureAwait(false);
                        break;
                    case 6:
                        lock (_gate)
                        {
                            _resumes.Add(data!);
                        }

                        await ResumeSessionAsync(socket, (long?)data?["seq"] ?? 0).ConfigureAwait(false);
                        break;
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or JsonException)
        {
        }
        finally
        {
            lock (_gate)
            {
                if (_socket == socket)
                {
                    _socket = null;
                    ExpectNewSession();
                }
            }
        }
    }

    /// <summary>IDENTIFY: a fresh session (nothing earlier is replayed), READY, then live dispatches.</summary>
    private async Task StartSessionAsync(WebSocket socket)
    {
        await _send.WaitAsync(_stop.Token).ConfigureAwait(false);
        try
        {
            lock (_gate)
            {
                _session.Clear();
            }

            await SendOnAsync(socket, DispatchFrame("READY", new JsonObject
            {
                ["v"] = 10,
                ["user"] = new JsonObject { ["id"] = BotUserId, ["username"] = "sympozium", ["bot"] = true },
                ["guilds"] = new JsonArray(),
                ["session_id"] = SessionId,
                ["resume_gateway_url"] = GatewayUrl,
            }), locked: true).ConfigureAwait(false);
            GoLive(socket);
        }
        finally
        {
            _send.Release();
        }
    }

    /// <summary>RESUME: replays the session's dispatches after <paramref name="sequence"/>, then RESUMED and live dispatches.</summary>
    private async Task ResumeSessionAsync(WebSocket socket, long sequence)
    {
        await _send.WaitAsync(_stop.Token).ConfigureAwait(false);
        try
        {
            List<JsonObject> missed;
            lock (_gate)
            {
                missed = [.. _session.Where(e => e.Sequence > sequence).Select(e => e.Frame)];
            }

            foreach (var frame in missed)
            {
                await SendOnAsync(socket, frame, locked: true).ConfigureAwait(false);
            }

            await SendOnAsync(socket, DispatchFrame("RESUMED", null), locked: true).ConfigureAwait(false);
            GoLive(socket);
        }
        finally
        {
            _send.Release();
        }
    }

    /// <summary>Under _gate: the next <see cref="WaitForSessionAsync"/> waits for the next IDENTIFY or RESUME.</summary>
    private void ExpectNewSession()
    {
        if (_ready.Task.IsCompleted)
        {
            _ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    private void GoLive(WebSocket socket)
    {
        TaskCompletionSource ready;
        lock (_gate)
        {
            _socket = socket;
            ready = _ready;
        }

        ready.TrySetResult();
    }

    private JsonObject DispatchFrame(string type, JsonNode? data) =>
        new() { ["op"] = 0, ["t"] = type, ["s"] = Interlocked.Increment(ref _sequence), ["d"] = data };

    /// <summary>Records a dispatch in the session and sends it when a client is live; otherwise a RESUME replays it.</summary>
    private async Task DispatchAsync(string type, JsonNode? data)
    {
        await _send.WaitAsync(_stop.Token).ConfigureAwait(false);
        try
        {
            var frame = DispatchFrame(type, data);
            WebSocket? socket;
            lock (_gate)
            {
                _session.Add(((long)frame["s"]!, frame));
                socket = _socket;
            }

            if (socket is not null)
            {
                try
                {
                    await SendOnAsync(socket, frame, locked: true).ConfigureAwait(false);
                }
                catch (WebSocketException)
                {
                    // The connection dropped meanwhile: the client's RESUME replays it.
                }
            }
        }
        finally
        {
            _send.Release();
        }
    }

    private async Task SendLiveAsync(JsonObject frame)
    {
        WebSocket socket;
        lock (_gate)
        {
            socket = _socket ?? throw new InvalidOperationException("No gateway client is connected to the fake.");
        }

        await SendOnAsync(socket, frame).ConfigureAwait(false);
    }

    private async Task SendOnAsync(WebSocket socket, JsonObject frame, bool locked = false)
    {
        if (!locked)
        {
            await _send.WaitAsync(_stop.Token).ConfigureAwait(false);
        }

        try
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(frame.ToJsonString()), WebSocketMessageType.Text, true, _stop.Token).ConfigureAwait(false);
        }
        finally
        {
            if (!locked)
            {
                _send.Release();
            }
        }
    }

    private static async Task WriteAsync(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted).ConfigureAwait(false);
    }
}
