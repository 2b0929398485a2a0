using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
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
/// Slack's Web API and Socket Mode as a local server, speaking their wire formats.
/// <c>POST /api/apps.connections.open</c> (app token) returns a <c>ws://</c> URL served here;
/// the socket gets <c>hello</c>, then whatever envelopes the test pushes
/// (<see cref="PushEventAsync"/>, <see cref="PushDisconnectAsync"/>), and every ack
/// <c>{"envelope_id":…}</c> the client sends is recorded. <c>POST /api/chat.postMessage</c>
/// (bot token) is recorded and answered from a script (default <c>{"ok":true,…}</c>).
/// The static helpers build Events API bodies and POST them signed like Slack does.
/// </summary>
public sealed class FakeSlackApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<RecordedCall> _calls = [];
    private readonly List<string> _acks = [];
    private readonly Queue<FakeReply> _postScript = new();
    private readonly CancellationTokenSource _stop = new();
    private WebSocket? _socket;
    private TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _connections;
    private int _envelopes;
    private long _ts = 1_700_000_000;

    private FakeSlackApi(WebApplication app, string botToken, string appToken)
    {
        _app = app;
        BotToken = botToken;
        AppToken = appToken;
    }

    /// <summary>Root URL, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>The Web API root (what SLACK_API_URL holds): <c>{BaseUrl}/api</c>.</summary>
    public string ApiUrl => BaseUrl + "/api";

    public string BotToken { get; }

    public string AppToken { get; }

    /// <summary>Socket Mode connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Envelope ids the client acked, in order.</summary>
    public IReadOnlyList<string> Acks
    {
        get
        {
            lock (_gate)
            {
                return [.. _acks];
            }
        }
    }

    /// <summary>Every Web API call so far, oldest first.</summary>
    public IReadOnlyList<RecordedCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>The chat.postMessage calls so far, including those answered with an error.</summary>
    public IReadOnlyList<RecordedCall> PostMessageCalls => [.. Calls.Where(c => c.Method == "chat.postMessage")];

    public static async Task<FakeSlackApi> StartAsync(string botToken = "xoxb-test-bot", string appToken = "xapp-test-app", CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        app.UseWebSockets();
        var fake = new FakeSlackApi(app, botToken, appToken);
        app.MapPost("/api/{method}", fake.HandleApiAsync);
        app.Map("/link", fake.HandleSocketAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        fake.BaseUrl = app.Urls.First().TrimEnd('/');
        return fake;
    }

    /// <summary>Appends scripted answers for the next chat.postMessage calls.</summary>
    public FakeSlackApi ScriptPost(params FakeReply[] replies)
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

    /// <summary>Waits until a Socket Mode client is connected (it has been sent hello).</summary>
    public Task WaitForConnectionAsync(TimeSpan timeout)
    {
        lock (_gate)
        {
            return _connected.Task.WaitAsync(timeout);
        }
    }

    /// <summary>Sends an <c>events_api</c> envelope carrying <paramref name="eventCallback"/>; returns its envelope_id.</summary>
    public async Task<string> PushEventAsync(JsonObject eventCallback, int retryAttempt = 0)
    {
        var id = "env-" + Interlocked.Increment(ref _envelopes).ToString(CultureInfo.InvariantCulture);
        await SendAsync(new JsonObject
        {
            ["envelope_id"] = id,
            ["payload"] = eventCallback,
            ["type"] = "events_api",
            ["accepts_response_payload"] = false,
            ["retry_attempt"] = retryAttempt,
            ["retry_reason"] = retryAttempt > 0 ? "timeout" : "",
        }).ConfigureAwait(false);
        return id;
    }

    /// <summary>Sends <c>{"type":"disconnect","reason":…}</c>, as Slack does before it refreshes a connection.</summary>
    public async Task PushDisconnectAsync(string reason = "refresh_requested")
    {
        lock (_gate)
        {
            _connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        await SendAsync(new JsonObject { ["type"] = "disconnect", ["reason"] = reason, ["debug_info"] = new JsonObject { ["host"] = "fake" } }).ConfigureAwait(false);
    }

    /// <summary>Waits until <paramref name="envelopeId"/> was acked.</summary>
    public async Task WaitForAckAsync(string envelopeId, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!Acks.Contains(envelopeId))
        {
            try
            {
                await Task.Delay(20, cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{envelopeId} was not acked within {timeout.TotalSeconds:0.#} s; acks: {string.Join(',', Acks)}");
            }
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> chat.postMessage calls have arrived.</summary>
    public async Task<IReadOnlyList<RecordedCall>> WaitForPostsAsync(int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (PostMessageCalls.Count < count)
        {
            try
            {
                await Task.Delay(20, cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"expected {count} chat.postMessage calls within {timeout.TotalSeconds:0.#} s, got {PostMessageCalls.Count}");
            }
        }

        return PostMessageCalls;
    }

    /// <summary>A new message <c>ts</c>, unique within this fake.</summary>
    public string NextTs() => Interlocked.Increment(ref _ts).ToString(CultureInfo.InvariantCulture) + ".000100";

    /// <summary>An Events API <c>message</c> event.</summary>
    public static JsonObject MessageEvent(string channel, string user, string text, string ts, string? threadTs = null, string channelType = "channel", string? botId = null, string? subtype = null)
    {
        var e = new JsonObject
        {
            ["type"] = "message",
            ["channel"] = channel,
            ["user"] = user,
            ["text"] = text,
            ["ts"] = ts,
            ["event_ts"] = ts,
            ["channel_type"] = channelType,
            ["team"] = "T0001",
        };
        if (threadTs is not null)
        {
            e["thread_ts"] = threadTs;
        }

        if (botId is not null)
        {
            e["bot_id"] = botId;
        }

        if (subtype is not null)
        {
            e["subtype"] = subtype;
        }

        return e;
    }

    /// <summary>The <c>event_callback</c> body around an event, as Slack POSTs it (and nests it in Socket Mode).</summary>
    public static JsonObject EventCallback(JsonObject slackEvent, string? eventId = null) => new()
    {
        ["token"] = "verification-token-unused",
        ["team_id"] = "T0001",
        ["api_app_id"] = "A0001",
        ["event"] = slackEvent,
        ["type"] = "event_callback",
        ["event_id"] = eventId ?? "Ev" + Guid.NewGuid().ToString("N")[..10].ToUpperInvariant(),
        ["event_time"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
    };

    /// <summary>The <c>url_verification</c> body Slack sends when the request URL is configured.</summary>
    public static JsonObject UrlVerification(string challenge) => new()
    {
        ["token"] = "verification-token-unused",
        ["challenge"] = challenge,
        ["type"] = "url_verification",
    };

    /// <summary>Slack's v0 signature of a body: <c>v0=hex(HMAC-SHA256(secret, "v0:ts:body"))</c>.</summary>
    public static string Sign(string signingSecret, long timestamp, string body)
    {
        ArgumentNullException.ThrowIfNull(signingSecret);
        var data = Encoding.UTF8.GetBytes("v0:" + timestamp.ToString(CultureInfo.InvariantCulture) + ":" + body);
        return "v0=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingSecret), data));
    }

    /// <summary>
    /// POSTs an Events API body to <paramref name="url"/> as Slack does: JSON with
    /// X-Slack-Request-Timestamp and X-Slack-Signature from <paramref name="signingSecret"/>
    /// (at <paramref name="timestamp"/>, default now).
    /// </summary>
    public static async Task<HttpResponseMessage> PostEventsApiAsync(HttpClient client, string url, JsonObject body, string signingSecret, DateTimeOffset? timestamp = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(body);
        var text = body.ToJsonString();
        var ts = (timestamp ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(text, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Slack-Request-Timestamp", ts.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("X-Slack-Signature", Sign(signingSecret, ts, text));
        return await client.SendAsync(request).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task HandleApiAsync(HttpContext context)
    {
        var method = (string)context.Request.RouteValues["method"]!;
        JsonNode? body = null;
        using (var reader = new StreamReader(context.Request.Body))
        {
            var text = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
            if (context.Request.ContentType?.StartsWith("application/json", StringComparison.Ordinal) == true && text.Length > 0)
            {
                try
                {
                    body = JsonNode.Parse(text);
                }
                catch (JsonException)
                {
                    await WriteAsync(context, 200, Error("invalid_json")).ConfigureAwait(false);
                    return;
                }
            }
        }

        lock (_gate)
        {
            _calls.Add(new RecordedCall(
                method,
                context.Request.QueryString.Value ?? "",
                context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
                body,
                DateTimeOffset.UtcNow));
        }

        var bearer = context.Request.Headers.Authorization.ToString();
        switch (method)
        {
            case "apps.connections.open":
                if (bearer != "Bearer " + AppToken)
                {
                    await WriteAsync(context, 200, Error(bearer.StartsWith("Bearer xoxb-", StringComparison.Ordinal) ? "not_allowed_token_type" : "invalid_auth")).ConfigureAwait(false);
                    return;
                }

                var ws = BaseUrl.Replace("http://", "ws://", StringComparison.Ordinal) + "/link/?ticket=" + Guid.NewGuid().ToString("N") + "&app_id=A0001";
                await WriteAsync(context, 200, new JsonObject { ["ok"] = true, ["url"] = ws }).ConfigureAwait(false);
                return;
            case "chat.postMessage":
                await PostMessageAsync(context, bearer, body).ConfigureAwait(false);
                return;
            default:
                await WriteAsync(context, 200, Error("unknown_method")).ConfigureAwait(false);
                return;
        }
    }

    private async Task PostMessageAsync(HttpContext context, string bearer, JsonNode? body)
    {
        if (bearer != "Bearer " + BotToken)
        {
            await WriteAsync(context, 200, Error(bearer.Length == 0 ? "not_authed" : "invalid_auth")).ConfigureAwait(false);
            return;
        }

        FakeReply? reply;
        lock (_gate)
        {
            _postScript.TryDequeue(out reply);
        }

        if (reply is { Status: 429 })
        {
            context.Response.Headers.RetryAfter = (reply.RetryAfterSeconds ?? 1).ToString(CultureInfo.InvariantCulture);
            await WriteAsync(context, 429, Error("ratelimited")).ConfigureAwait(false);
            return;
        }

        if (reply is { } scripted && (scripted.Status != 200 || scripted.Error is not null))
        {
            await WriteAsync(context, scripted.Status, Error(scripted.Error ?? "internal_error")).ConfigureAwait(false);
            return;
        }

        if (body?["channel"] is not JsonValue channel)
        {
            await WriteAsync(context, 200, Error("channel_not_found")).ConfigureAwait(false);
            return;
        }

        if (body["text"] is not JsonValue text || text.ToString().Length == 0)
        {
            await WriteAsync(context, 200, Error("no_text")).ConfigureAwait(false);
            return;
        }

        var ts = NextTs();
        var message = new JsonObject { ["type"] = "message", ["text"] = text.ToString(), ["user"] = "UBOT", ["bot_id"] = "B0001", ["ts"] = ts };
        if (body["thread_ts"] is JsonValue thread)
        {
            message["thread_ts"] = thread.ToString();
        }

        await WriteAsync(context, 200, new JsonObject { ["ok"] = true, ["channel"] = channel.ToString(), ["ts"] = ts, ["message"] = message }).ConfigureAwait(false);
    }

    private async Task HandleSocketAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        TaskCompletionSource connected;
        lock (_gate)
        {
            _socket = socket;
            connected = _connected;
        }

        Interlocked.Increment(ref _connections);
        await SendAsync(new JsonObject
        {
            ["type"] = "hello",
            ["num_connections"] = 1,
            ["debug_info"] = new JsonObject { ["host"] = "fake-slack", ["approximate_connection_time"] = 18060 },
            ["connection_info"] = new JsonObject { ["app_id"] = "A0001" },
        }).ConfigureAwait(false);
        connected.TrySetResult();

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

                using var doc = JsonDocument.Parse(buffer.AsMemory(0, result.Count));
                if (doc.RootElement.TryGetProperty("envelope_id", out var id))
                {
                    lock (_gate)
                    {
                        _acks.Add(id.GetString() ?? "");
                    }
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
                }
            }
        }
    }

    private async Task SendAsync(JsonObject frame)
    {
        WebSocket socket;
        lock (_gate)
        {
            socket = _socket ?? throw new InvalidOperationException("No Socket Mode client is connected to the fake.");
        }

        await socket.SendAsync(Encoding.UTF8.GetBytes(frame.ToJsonString()), WebSocketMessageType.Text, true, _stop.Token).ConfigureAwait(false);
    }

    private static JsonObject Error(string code) => new() { ["ok"] = false, ["error"] = code };

    private static async Task WriteAsync(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted).ConfigureAwait(false);
    }
}
