using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sympozium.AgentRunner.Tools.Memory;

/// <summary>
/// HTTP client of the memory server (docs/design/agent-runner.md#memory): the memory tools, the
/// auto-context search before a run and the auto-store after it.
/// </summary>
public sealed class MemoryClient : IMemoryContext, IDisposable
{
    /// <summary>Largest response body read (as upstream).</summary>
    public const int MaxResponseBytes = 64 * 1024;

    /// <summary>Bytes of the task used as the auto-context query (as upstream).</summary>
    public const int ContextQueryBytes = 200;

    /// <summary>Entries asked for by the auto-context search (as upstream).</summary>
    public const int ContextTopK = 3;

    /// <summary>Longest auto-context text handed to the prompt (as upstream).</summary>
    public const int ContextMaxChars = 2000;

    private const int StoredTaskBytes = 500;
    private const int StoredResponseBytes = 1000;

    private readonly HttpClient _http;
    private readonly ToolsOptions _options;
    private readonly TimeProvider _time;
    private readonly string _baseUrl;

    /// <param name="baseUrl">The server's URL, e.g. <c>http://team-memory.ns.svc:8080</c> (trailing <c>/</c> ignored).</param>
    /// <param name="handler">Transport for tests; default a new <see cref="SocketsHttpHandler"/>, owned by the client.</param>
    public MemoryClient(string baseUrl, ToolsOptions options, HttpMessageHandler? handler = null, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(baseUrl);
        ArgumentNullException.ThrowIfNull(options);
        var trimmed = baseUrl.TrimEnd('/');
        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"MEMORY_SERVER_URL '{baseUrl}' is not an absolute http(s) URL, e.g. http://my-instance-memory.default.svc:8080", nameof(baseUrl));
        }

        _baseUrl = trimmed;
        _options = options;
        _time = time ?? TimeProvider.System;
        _http = handler is null
            ? new HttpClient(new SocketsHttpHandler(), disposeHandler: true)
            : new HttpClient(handler, disposeHandler: false);
        _http.Timeout = Timeout.InfiniteTimeSpan;
    }

    /// <summary>The server's URL without a trailing slash.</summary>
    public string BaseUrl => _baseUrl;

    /// <summary>
    /// Auto-context before the run: searches with the first 200 bytes of <paramref name="task"/>
    /// (top 3, one attempt, 3 s) and returns the entries formatted and cut to 2000 characters at
    /// an entry boundary; null when nothing was found or the server could not be asked. The
    /// caller puts it under "## Relevant Past Context (auto-retrieved)".
    /// </summary>
    public async Task<string?> SearchContextAsync(string task, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        var body = new JsonObject { ["query"] = Utf8Text.Prefix(task, ContextQueryBytes), ["top_k"] = ContextTopK };
        var answer = await SendOnceAsync(HttpMethod.Post, "/search", body, _options.MemoryContextTimeout, cancellationToken).ConfigureAwait(false);
        if (answer is not { Status: 200 } ok || !TryParse(ok.Body, out var success, out var content, out _) || !success)
        {
            _options.Write($"memory auto-context skipped: {answer?.Describe() ?? "server unreachable"}");
            return null;
        }

        if (content is not { ValueKind: JsonValueKind.Array } entries || entries.GetArrayLength() == 0)
        {
            return null;
        }

        return MemoryResultFormatter.CutAtEntryBoundary(MemoryResultFormatter.Format(entries), ContextMaxChars);
    }

    /// <summary>
    /// Auto-store after a successful run: <c>Task: …\n\nResponse: …</c> (task cut to 500 bytes,
    /// response to 1000, <c>...</c> marking a cut) with tags <c>auto</c>, <c>agent-run</c>; one
    /// attempt, 5 s. An empty response stores nothing. Returns whether the server accepted it;
    /// failures are only logged, as upstream.
    /// </summary>
    public async Task<bool> StoreRunAsync(string task, string response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (string.IsNullOrEmpty(response))
        {
            return false;
        }

        var content = $"Task: {Cut(task, StoredTaskBytes)}\n\nResponse: {Cut(response, StoredResponseBytes)}";
        var body = new JsonObject { ["content"] = content, ["tags"] = new JsonArray("auto", "agent-run") };
        var answer = await SendOnceAsync(HttpMethod.Post, "/store", body, _options.MemoryRequestTimeout, cancellationToken).ConfigureAwait(false);
        var stored = answer is { Status: 200 } ok && TryParse(ok.Body, out var success, out _, out _) && success;
        _options.Write(stored ? "memory auto-store done" : $"memory auto-store failed: {answer?.Describe() ?? "server unreachable"}");
        return stored;
    }

    /// <summary>POST /search with the tool's arguments as the body.</summary>
    internal Task<ToolResult> SearchAsync(JsonObject arguments, CancellationToken cancellationToken) =>
        CallAsync(HttpMethod.Post, "/search", arguments, cancellationToken);

    /// <summary>POST /store with the tool's arguments as the body.</summary>
    internal Task<ToolResult> StoreAsync(JsonObject arguments, CancellationToken cancellationToken) =>
        CallAsync(HttpMethod.Post, "/store", arguments, cancellationToken);

    /// <summary>GET /list?tags=…&amp;limit=… (the tags filter URL-encoded; upstream sent it raw).</summary>
    internal Task<ToolResult> ListAsync(JsonObject arguments, CancellationToken cancellationToken)
    {
        var query = new List<string>();
        if (ToolArguments.String(arguments, "tags") is { Length: > 0 } tags)
        {
            query.Add("tags=" + Uri.EscapeDataString(tags));
        }

        if (ToolArguments.Integer(arguments, "limit") is > 0 and var limit)
        {
            query.Add("limit=" + limit.ToString(CultureInfo.InvariantCulture));
        }

        var path = query.Count == 0 ? "/list" : "/list?" + string.Join('&', query);
        return CallAsync(HttpMethod.Get, path, null, cancellationToken);
    }

    public void Dispose() => _http.Dispose();

    /// <summary>A tool call: up to 1 + retries attempts while the server cannot be reached, then the answer formatted.</summary>
    private async Task<ToolResult> CallAsync(HttpMethod method, string path, JsonObject? body, CancellationToken cancellationToken)
    {
        var backoff = _options.MemoryRetryBackoff;
        string? failure = null;
        for (var attempt = 0; attempt <= backoff.Count; attempt++)
        {
            if (attempt > 0)
            {
                _options.Write($"memory tool retry {attempt}/{backoff.Count} after {backoff[attempt - 1].TotalMilliseconds} ms");
                await Task.Delay(backoff[attempt - 1], _time, cancellationToken).ConfigureAwait(false);
            }

            var answer = await SendOnceAsync(method, path, body, _options.MemoryRequestTimeout, cancellationToken).ConfigureAwait(false);
            if (answer is { Failure: null } reply)
            {
                return ToToolResult(reply);
            }

            failure = answer?.Failure;
            _options.Write($"memory server call failed (attempt {attempt + 1}/{backoff.Count + 1}): {failure}");
        }

        return ToolResult.Error($"Memory server error after {backoff.Count + 1} attempts: {failure}");
    }

    private static ToolResult ToToolResult(MemoryAnswer answer)
    {
        if (answer.Status != 200)
        {
            return ToolResult.Error($"Memory server returned {answer.Status}: {answer.Body}");
        }

        if (!TryParse(answer.Body, out var success, out var content, out var error))
        {
            // Not the server's JSON envelope: show what came back, as upstream.
            return new ToolResult(answer.Body);
        }

        return success
            ? new ToolResult(MemoryResultFormatter.Format(content))
            : ToolResult.Error($"Memory error: {error}");
    }

    /// <summary>One HTTP exchange with its own timeout; transport failures come back in <see cref="MemoryAnswer.Failure"/>.</summary>
    private async Task<MemoryAnswer?> SendOnceAsync(HttpMethod method, string path, JsonObject? body, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var uri = new Uri(_baseUrl + path);
        using var attemptTimeout = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, attemptTimeout.Token);
        try
        {
            using var request = new HttpRequestMessage(method, uri);
            if (body is not null)
            {
                request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            }

            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            var bytes = await ReadCappedAsync(response, linked.Token).ConfigureAwait(false);
            return new MemoryAnswer((int)response.StatusCode, Encoding.UTF8.GetString(bytes), null);
        }
        catch (OperationCanceledException) when (attemptTimeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new MemoryAnswer(0, "", $"no answer from {uri.Host}:{uri.Port} within {timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e)
        {
            return new MemoryAnswer(0, "", HttpErrors.Describe(e, uri));
        }
        catch (IOException e)
        {
            return new MemoryAnswer(0, "", e.Message);
        }
    }

    private static async Task<byte[]> ReadCappedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[MaxResponseBytes];
            var total = 0;
            int read;
            while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false)) > 0)
            {
                total += read;
            }

            return buffer[..total];
        }
    }

    private static bool TryParse(string body, out bool success, out JsonElement? content, out string? error)
    {
        success = false;
        content = null;
        error = null;
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            success = root.TryGetProperty("success", out var s) && s.ValueKind == JsonValueKind.True;
            content = root.TryGetProperty("content", out var c) ? c.Clone() : null;
            error = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Cut(string text, int maxBytes)
    {
        var prefix = Utf8Text.Prefix(text, maxBytes);
        return prefix.Length == text.Length ? text : prefix + "...";
    }

    /// <summary>An HTTP answer (Status, Body), or why none came (Failure).</summary>
    private sealed record MemoryAnswer(int Status, string Body, string? Failure)
    {
        public string Describe() => Failure ?? $"HTTP {Status}: {Body}";
    }
}
