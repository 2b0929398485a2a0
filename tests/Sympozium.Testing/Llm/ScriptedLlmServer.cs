using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Sympozium.Testing.Llm;

/// <summary>
/// A local HTTP server that plays an LLM provider from a script. It answers the OpenAI
/// (<c>/v1/chat/completions</c>), Azure OpenAI (<c>/openai/deployments/{d}/chat/completions</c>),
/// Anthropic (<c>/v1/messages</c>) and Ollama (<c>/api/chat</c>) wire formats, streaming when the
/// request asks for it, and records every request. Replies are taken from one queue in order,
/// whichever format asks; when the queue is empty <see cref="Fallback"/> answers.
/// </summary>
public sealed class ScriptedLlmServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<LlmReply> _script = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly object _gate = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private int _counter;

    private ScriptedLlmServer(WebApplication app)
    {
        _app = app;
    }

    /// <summary>Root URL, e.g. <c>http://127.0.0.1:41234</c> (no trailing slash).</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>The OpenAI-compatible base (<c>{BaseUrl}/v1</c>), what MODEL_BASE_URL holds for OpenAI-style providers.</summary>
    public string OpenAiBaseUrl => BaseUrl + "/v1";

    /// <summary>Answer when the script is empty (default: an HTTP 500 naming the exhausted script).</summary>
    public LlmReply Fallback { get; set; } = LlmReply.Fail(500, "scripted LLM server: the script has no reply left");

    /// <summary>Requests so far, oldest first.</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Replies not yet used.</summary>
    public int Pending => _script.Count;

    /// <summary>Starts on a free port of 127.0.0.1.</summary>
    public static async Task<ScriptedLlmServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        var server = new ScriptedLlmServer(app);
        server.Map(app);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        server.BaseUrl = app.Urls.First().TrimEnd('/');
        return server;
    }

    /// <summary>Appends replies to the script.</summary>
    public ScriptedLlmServer Enqueue(params LlmReply[] replies)
    {
        ArgumentNullException.ThrowIfNull(replies);
        foreach (var reply in replies)
        {
            _script.Enqueue(reply);
        }

        return this;
    }

    /// <summary>Waits until at least <paramref name="count"/> requests have arrived.</summary>
    public async Task<IReadOnlyList<RecordedRequest>> WaitForRequestsAsync(int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (Requests.Count < count)
        {
            try
            {
                await _arrived.WaitAsync(TimeSpan.FromMilliseconds(50), cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"expected {count} requests within {timeout.TotalSeconds:0.#} s, got {Requests.Count}");
            }
        }

        return Requests;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _arrived.Dispose();
    }

    private void Map(WebApplication app)
    {
        app.MapPost("/v1/chat/completions", ctx => Handle(ctx, LlmWireFormat.OpenAi));
        app.MapPost("/chat/completions", ctx => Handle(ctx, LlmWireFormat.OpenAi));
        app.MapPost("/openai/deployments/{deployment}/chat/completions", ctx => Handle(ctx, LlmWireFormat.AzureOpenAi));
        app.MapPost("/v1/messages", ctx => Handle(ctx, LlmWireFormat.Anthropic));
        app.MapPost("/api/chat", ctx => Handle(ctx, LlmWireFormat.Ollama));
        app.MapGet("/v1/models", ctx => WriteJson(ctx, 200, new JsonObject
        {
            ["object"] = "list",
            ["data"] = new JsonArray((JsonNode)new JsonObject { ["id"] = "scripted-model", ["object"] = "model", ["owned_by"] = "sympozium-tests" }),
        }));
        app.MapGet("/api/tags", ctx => WriteJson(ctx, 200, new JsonObject
        {
            ["models"] = new JsonArray((JsonNode)new JsonObject { ["name"] = "scripted-model:latest", ["model"] = "scripted-model:latest" }),
        }));
    }

    private async Task Handle(HttpContext ctx, LlmWireFormat format)
    {
        JsonNode? body;
        using (var reader = new StreamReader(ctx.Request.Body, Encoding.UTF8))
        {
            var text = await reader.ReadToEndAsync(ctx.RequestAborted).ConfigureAwait(false);
            try
            {
                body = JsonNode.Parse(text);
            }
            catch (JsonException e)
            {
                Record(ctx, format, null);
                await WriteJson(ctx, 400, new JsonObject { ["error"] = new JsonObject { ["message"] = "request body is not JSON: " + e.Message } }).ConfigureAwait(false);
                return;
            }
        }

        Record(ctx, format, body);
        var reply = _script.TryDequeue(out var next) ? next : Fallback;
        var n = Interlocked.Increment(ref _counter);
        if (reply.Delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(reply.Delay, ctx.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        if (reply.RawBody is not null)
        {
            ctx.Response.StatusCode = reply.ErrorStatus ?? 200;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync(reply.RawBody, ctx.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (reply.ErrorStatus is { } status)
        {
            if (reply.RetryAfter is { } wait)
            {
                ctx.Response.Headers["Retry-After"] = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            }

            await WriteJson(ctx, status, ErrorBody(format, status, reply.ErrorMessage ?? "error")).ConfigureAwait(false);
            return;
        }

        var model = body?["model"]?.GetValue<string>() ?? ctx.Request.RouteValues["deployment"]?.ToString() ?? "scripted-model";
        var stream = body?["stream"] is JsonValue s && s.GetValueKind() == JsonValueKind.True;
        switch (format)
        {
            case LlmWireFormat.Anthropic when stream:
                await WireFormats.WriteAnthropicStream(ctx, reply, model, n).ConfigureAwait(false);
                break;
            case LlmWireFormat.Anthropic:
                await WriteJson(ctx, 200, WireFormats.Anthropic(reply, model, n)).ConfigureAwait(false);
                break;
            case LlmWireFormat.Ollama when stream:
                await WireFormats.WriteOllamaStream(ctx, reply, model).ConfigureAwait(false);
                break;
            case LlmWireFormat.Ollama:
                await WriteJson(ctx, 200, WireFormats.Ollama(reply, model)).ConfigureAwait(false);
                break;
            case var _ when stream:
                await WireFormats.WriteOpenAiStream(ctx, reply, model, n).ConfigureAwait(false);
                break;
            default:
                await WriteJson(ctx, 200, WireFormats.OpenAi(reply, model, n)).ConfigureAwait(false);
                break;
        }
    }

    private void Record(HttpContext ctx, LlmWireFormat format, JsonNode? body)
    {
        var headers = ctx.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal);
        lock (_gate)
        {
            _requests.Add(new RecordedRequest(format, ctx.Request.Method, ctx.Request.Path.Value ?? "", ctx.Request.QueryString.Value ?? "", headers, body, DateTimeOffset.UtcNow, System.Diagnostics.Stopwatch.GetTimestamp()));
        }

        _arrived.Release();
    }

    private static JsonObject ErrorBody(LlmWireFormat format, int status, string message) => format switch
    {
        LlmWireFormat.Anthropic => new JsonObject
        {
            ["type"] = "error",
            ["error"] = new JsonObject { ["type"] = status == 429 ? "rate_limit_error" : status >= 500 ? "api_error" : "invalid_request_error", ["message"] = message },
        },
        LlmWireFormat.Ollama => new JsonObject { ["error"] = message },
        _ => new JsonObject
        {
            ["error"] = new JsonObject { ["message"] = message, ["type"] = status == 429 ? "rate_limit_exceeded" : "server_error", ["code"] = status.ToString(CultureInfo.InvariantCulture) },
        },
    };

    internal static async Task WriteJson(HttpContext ctx, int status, JsonNode body)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(body.ToJsonString(), ctx.RequestAborted).ConfigureAwait(false);
    }
}
