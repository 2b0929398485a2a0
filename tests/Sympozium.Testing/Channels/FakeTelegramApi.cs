using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Sympozium.Testing.Channels;

/// <summary>
/// The Telegram Bot API as a local HTTP server, speaking its wire format
/// (<c>/bot&lt;token&gt;/&lt;method&gt;</c>, <c>{"ok":…,"result":…}</c> or
/// <c>{"ok":false,"error_code":…,"description":…,"parameters":{"retry_after":…}}</c>).
/// <c>getUpdates</c> long-polls over a queue of updates the test adds, confirming those below
/// <c>offset</c> as Telegram does; <c>sendMessage</c> is recorded and answered from a script
/// (default: success). A wrong token gets 401.
/// </summary>
public sealed class FakeTelegramApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<JsonObject> _updates = [];
    private readonly List<RecordedCall> _calls = [];
    private readonly Queue<FakeReply> _sendScript = new();
    private readonly SemaphoreSlim _changed = new(0);
    private long _nextUpdateId = 100;
    private long _nextMessageId = 1;
    private long _nextSentId = 5000;

    private FakeTelegramApi(WebApplication app, string token)
    {
        _app = app;
        Token = token;
    }

    /// <summary>Root URL (what TELEGRAM_API_URL holds), e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>The bot token the fake accepts.</summary>
    public string Token { get; }

    /// <summary>Every call so far (getUpdates and sendMessage), oldest first.</summary>
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

    /// <summary>The sendMessage calls so far, including those answered with an error.</summary>
    public IReadOnlyList<RecordedCall> SendMessageCalls => [.. Calls.Where(c => c.Method == "sendMessage")];

    /// <summary>The offsets getUpdates was called with, in order.</summary>
    public IReadOnlyList<long> PolledOffsets =>
        [.. Calls.Where(c => c.Method == "getUpdates").Select(c => long.Parse(QueryValue(c.Query, "offset") ?? "0", CultureInfo.InvariantCulture))];

    public static async Task<FakeTelegramApi> StartAsync(string token = "123456:TEST-token", CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        var fake = new FakeTelegramApi(app, token);
        app.Map("/bot{token}/{method}", fake.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        fake.BaseUrl = app.Urls.First().TrimEnd('/');
        return fake;
    }

    /// <summary>
    /// Queues a text message update as a user would send it; returns its update_id. Chats below
    /// zero are groups, as in Telegram.
    /// </summary>
    public long AddTextMessage(long chatId, string text, long fromId = 42, string firstName = "Ada", string? username = "ada", long? messageThreadId = null)
    {
        var message = new JsonObject
        {
            ["message_id"] = 0,
            ["from"] = new JsonObject { ["id"] = fromId, ["is_bot"] = false, ["first_name"] = firstName },
            ["chat"] = new JsonObject { ["id"] = chatId, ["type"] = chatId < 0 ? "supergroup" : "private" },
            ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["text"] = text,
        };
        if (username is not null)
        {
            message["from"]!["username"] = username;
        }

        if (messageThreadId is { } thread)
        {
            message["message_thread_id"] = thread;
            message["is_topic_message"] = true;
        }

        return AddUpdate("message", message);
    }

    /// <summary>Queues any update (<c>edited_message</c>, a sticker message, …); returns its update_id.</summary>
    public long AddUpdate(string kind, JsonObject content)
    {
        ArgumentNullException.ThrowIfNull(content);
        long id;
        lock (_gate)
        {
            id = _nextUpdateId++;
            if (content["message_id"] is not null)
            {
                content["message_id"] = _nextMessageId++;
            }

            _updates.Add(new JsonObject { ["update_id"] = id, [kind] = content });
        }

        _changed.Release();
        return id;
    }

    /// <summary>Appends scripted answers for the next sendMessage calls.</summary>
    public FakeTelegramApi ScriptSend(params FakeReply[] replies)
    {
        ArgumentNullException.ThrowIfNull(replies);
        lock (_gate)
        {
            foreach (var reply in replies)
            {
                _sendScript.Enqueue(reply);
            }
        }

        return this;
    }

    /// <summary>Waits until at least <paramref name="count"/> sendMessage calls have arrived.</summary>
    public Task<IReadOnlyList<RecordedCall>> WaitForSendsAsync(int count, TimeSpan timeout) =>
        WaitAsync(() => SendMessageCalls, count, timeout, "sendMessage calls");

    /// <summary>Waits until getUpdates was called with an offset of at least <paramref name="offset"/> (the bot confirmed the updates below it).</summary>
    public async Task WaitForOffsetAsync(long offset, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!PolledOffsets.Any(o => o >= offset))
        {
            try
            {
                await Task.Delay(20, cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"getUpdates was not called with offset >= {offset} within {timeout.TotalSeconds:0.#} s; offsets: {string.Join(',', PolledOffsets)}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _changed.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var token = (string)context.Request.RouteValues["token"]!;
        var method = (string)context.Request.RouteValues["method"]!;
        JsonNode? body = null;
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            using var reader = new StreamReader(context.Request.Body);
            var text = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
            try
            {
                body = JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                await WriteAsync(context, 400, Error(400, "Bad Request: can't parse JSON")).ConfigureAwait(false);
                return;
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

        if (token != Token)
        {
            await WriteAsync(context, 401, Error(401, "Unauthorized")).ConfigureAwait(false);
            return;
        }

        switch (method)
        {
            case "getUpdates":
                await GetUpdatesAsync(context).ConfigureAwait(false);
                break;
            case "sendMessage":
                await SendMessageAsync(context, body).ConfigureAwait(false);
                break;
            default:
                await WriteAsync(context, 404, Error(404, "Not Found")).ConfigureAwait(false);
                break;
        }
    }

    private async Task GetUpdatesAsync(HttpContext context)
    {
        var offset = long.Parse(context.Request.Query["offset"].FirstOrDefault() ?? "0", CultureInfo.InvariantCulture);
        var timeout = int.Parse(context.Request.Query["timeout"].FirstOrDefault() ?? "0", CultureInfo.InvariantCulture);
        var deadline = DateTime.UtcNow.AddSeconds(timeout);
        while (true)
        {
            JsonArray result;
            lock (_gate)
            {
                // An offset confirms every update below it: Telegram forgets them.
                _updates.RemoveAll(u => (long)u["update_id"]! < offset);
                result = [.. _updates.Select(u => u.DeepClone())];
            }

            var left = deadline - DateTime.UtcNow;
            if (result.Count > 0 || left <= TimeSpan.Zero)
            {
                await WriteAsync(context, 200, new JsonObject { ["ok"] = true, ["result"] = result }).ConfigureAwait(false);
                return;
            }

            try
            {
                await _changed.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200), context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task SendMessageAsync(HttpContext context, JsonNode? body)
    {
        FakeReply? reply;
        lock (_gate)
        {
            _sendScript.TryDequeue(out reply);
        }

        if (reply?.Delay is { } delay)
        {
            try
            {
                await Task.Delay(delay, context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return; // The caller went away.
            }
        }

        if (body?["chat_id"] is null || body["text"] is not JsonValue text || text.ToString().Length == 0)
        {
            await WriteAsync(context, 400, Error(400, "Bad Request: message text is empty")).ConfigureAwait(false);
            return;
        }

        if (text.ToString().Length > 4096)
        {
            await WriteAsync(context, 400, Error(400, "Bad Request: message is too long")).ConfigureAwait(false);
            return;
        }

        if (reply is { Status: not 200 })
        {
            var error = Error(reply.Status, reply.Error ?? "error");
            if (reply.RetryAfterSeconds is { } seconds)
            {
                error["parameters"] = new JsonObject { ["retry_after"] = seconds };
            }

            await WriteAsync(context, reply.Status, error).ConfigureAwait(false);
            return;
        }

        var chatId = long.Parse(body["chat_id"]!.ToString(), CultureInfo.InvariantCulture);
        var sent = new JsonObject
        {
            ["message_id"] = Interlocked.Increment(ref _nextSentId),
            ["from"] = new JsonObject { ["id"] = 1, ["is_bot"] = true, ["first_name"] = "Sympozium" },
            ["chat"] = new JsonObject { ["id"] = chatId, ["type"] = chatId < 0 ? "supergroup" : "private" },
            ["date"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["text"] = text.ToString(),
        };
        await WriteAsync(context, 200, new JsonObject { ["ok"] = true, ["result"] = sent }).ConfigureAwait(false);
    }

    private static JsonObject Error(int code, string description) =>
        new() { ["ok"] = false, ["error_code"] = code, ["description"] = description };

    private static async Task WriteAsync(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task<IReadOnlyList<RecordedCall>> WaitAsync(Func<IReadOnlyList<RecordedCall>> read, int count, TimeSpan timeout, string what)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (read().Count < count)
        {
            try
            {
                await Task.Delay(20, cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"expected {count} {what} within {timeout.TotalSeconds:0.#} s, got {read().Count}");
            }
        }

        return read();
    }

    private static string? QueryValue(string query, string name)
    {
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            if (parts[0] == name)
            {
                return parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "";
            }
        }

        return null;
    }
}
