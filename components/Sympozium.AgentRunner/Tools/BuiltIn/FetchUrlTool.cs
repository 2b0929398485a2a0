using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Sympozium.AgentRunner.Output;

namespace Sympozium.AgentRunner.Tools.BuiltIn;

/// <summary>
/// <c>fetch_url</c>: GET a web page or API and return it as text. Upstream had no SSRF guard;
/// here every connection, the first and each redirect hop, goes through
/// <see cref="GuardedConnector"/>, which only reaches public addresses unless the policy allows
/// private networks. Redirects are followed here (not by the handler) so each hop is checked and
/// credentials are not forwarded to another host. Connections are direct: an HTTP proxy would
/// hide the real destination from the check.
/// </summary>
internal sealed class FetchUrlTool : IAgentTool, IDisposable
{
    public const string Name = "fetch_url";

    private const int DefaultMaxChars = 50_000;
    private const int MaxMaxChars = 100_000;
    private const int ErrorBodyBytes = 2000;
    private const string UserAgent = "Sympozium/1.0 (agent-runner)";
    private const string Accept = "text/html,application/xhtml+xml,application/json,text/plain,*/*";

    /// <summary>Headers that stay with their origin: dropped when a redirect leads to another host.</summary>
    private static readonly string[] OriginBoundHeaders = ["Authorization", "Proxy-Authorization", "Cookie"];

    private readonly ToolsOptions _options;
    private readonly TimeProvider _time;
    private readonly HttpClient _http;

    public FetchUrlTool(ToolsOptions options, TimeProvider time)
        : this(options, time, options.FetchAllowPrivateNetworks ? static _ => null : NetworkAddressPolicy.Classify)
    {
    }

    /// <param name="classify">Null for an address that may be reached, else why not (tests narrow or widen the policy).</param>
    internal FetchUrlTool(ToolsOptions options, TimeProvider time, Func<IPAddress, string?> classify)
    {
        _options = options;
        _time = time;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.All,
            ConnectCallback = new GuardedConnector(classify).ConnectAsync,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        };
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public ToolDefinition Definition { get; } = new(
        Name,
        "Fetch the content of a web page or API endpoint. "
        + "Returns the page content as readable plain text with HTML tags stripped. "
        + "Use this to read documentation, check web services, download data, or gather information from the internet. "
        + "For APIs that return JSON, the raw JSON is returned as-is.",
        ToolSchema.Parse("""
            {"type":"object","properties":{
              "url":{"type":"string","description":"The URL to fetch (must start with http:// or https://)."},
              "maxChars":{"type":"integer","description":"Maximum characters to return (default 50000, max 100000). Content is truncated beyond this limit."},
              "headers":{"type":"object","description":"Optional HTTP headers to send with the request (e.g. {\"Authorization\": \"Bearer token\"})."}
            },"required":["url"]}
            """));

    public async Task<ToolResult> InvokeAsync(JsonObject arguments, CancellationToken cancellationToken)
    {
        var url = ToolArguments.String(arguments, "url");
        if (string.IsNullOrEmpty(url))
        {
            return ToolResult.Error("Error: 'url' is required");
        }

        if (!url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !url.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            return ToolResult.Error("Error: url must start with http:// or https://");
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            return ToolResult.Error($"Error creating request: '{url}' is not a valid URL");
        }

        var maxChars = ToolArguments.Integer(arguments, "maxChars") is > 0 and var requested ? requested : DefaultMaxChars;
        maxChars = Math.Min(maxChars, MaxMaxChars);
        var headers = CustomHeaders(arguments);

        using var timeout = new CancellationTokenSource(_options.FetchTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await FetchAsync(uri, headers, maxChars, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return ToolResult.Error($"Error fetching URL: no complete answer within {_options.FetchTimeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e) when (FindRefusal(e) is { } refusal)
        {
            _options.Write($"fetch_url refused {uri.Host}: {refusal.Message}");
            return ToolResult.Error(
                $"Error: access denied — {refusal.Message}. fetch_url only reaches public internet addresses; "
                + "private networks must be allowed by the agent's SympoziumPolicy.");
        }
        catch (HttpRequestException e)
        {
            return ToolResult.Error($"Error fetching URL: {HttpErrors.Describe(e, uri)}");
        }
    }

    private async Task<ToolResult> FetchAsync(Uri uri, List<KeyValuePair<string, string>> headers, int maxChars, CancellationToken cancellationToken)
    {
        var current = uri;
        for (var redirects = 0; ; redirects++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, current);
            request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
            request.Headers.TryAddWithoutValidation("Accept", Accept);
            foreach (var (name, value) in headers)
            {
                try
                {
                    request.Headers.Remove(name);
                    request.Headers.TryAddWithoutValidation(name, value);
                }
                catch (Exception e) when (e is FormatException or InvalidOperationException)
                {
                    // Not a request header name (a content header on a GET, a malformed name): skipped.
                }
            }

            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (IsRedirect(response.StatusCode) && response.Headers.Location is { } location)
            {
                if (redirects >= _options.FetchMaxRedirects)
                {
                    return ToolResult.Error($"Error fetching URL: stopped after {_options.FetchMaxRedirects} redirects");
                }

                var next = location.IsAbsoluteUri ? location : new Uri(current, location);
                if (next.Scheme is not ("http" or "https"))
                {
                    return ToolResult.Error($"Error fetching URL: redirect to a {next.Scheme}: URL refused; only http and https are followed");
                }

                if (!string.Equals(next.Host, current.Host, StringComparison.OrdinalIgnoreCase))
                {
                    headers.RemoveAll(h => OriginBoundHeaders.Contains(h.Key, StringComparer.OrdinalIgnoreCase));
                }

                current = next;
                continue;
            }

            var status = (int)response.StatusCode;
            if (status >= 400)
            {
                var errorBody = await ReadBodyAsync(response, ErrorBodyBytes, cancellationToken).ConfigureAwait(false);
                return ToolResult.Error($"HTTP {status} {response.ReasonPhrase}\n{Utf8Text.DecodePrefix(errorBody, ErrorBodyBytes)}");
            }

            var body = await ReadBodyAsync(response, _options.FetchMaxBodyBytes, cancellationToken).ConfigureAwait(false);
            var contentType = response.Content.Headers.ContentType?.ToString() ?? "";
            var content = Decode(body, response.Content.Headers.ContentType?.CharSet);
            if (LooksLikeHtml(contentType, content))
            {
                content = HtmlToText.Convert(content);
            }

            if (content.Length > maxChars)
            {
                var cut = char.IsHighSurrogate(content[maxChars - 1]) ? maxChars - 1 : maxChars;
                content = content[..cut] + $"\n\n... (truncated at {maxChars} chars, total ~{content.Length})";
            }

            _options.Write($"fetched {LogSafeText.Url(current)}: status={status} content-type={contentType} len={content.Length}");
            return new ToolResult(content);
        }
    }

    public void Dispose() => _http.Dispose();

    private static List<KeyValuePair<string, string>> CustomHeaders(JsonObject arguments)
    {
        var headers = new List<KeyValuePair<string, string>>();
        if (ToolArguments.Object(arguments, "headers") is { } given)
        {
            foreach (var (name, _) in given)
            {
                if (ToolArguments.String(given, name) is { } value && !string.IsNullOrWhiteSpace(name))
                {
                    headers.Add(new(name, value));
                }
            }
        }

        return headers;
    }

    private static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found
        or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    /// <summary>As upstream: an HTML content type, or no text/ type and a body that starts with '&lt;'.</summary>
    private static bool LooksLikeHtml(string contentType, string content) =>
        contentType.Contains("text/html", StringComparison.OrdinalIgnoreCase)
        || contentType.Contains("xhtml", StringComparison.OrdinalIgnoreCase)
        || (!contentType.Contains("text/", StringComparison.OrdinalIgnoreCase) && content.AsSpan().TrimStart().StartsWith("<"));

    private static async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, int limit, CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new MemoryStream();
            var chunk = new byte[16 * 1024];
            int read;
            while (buffer.Length < limit
                   && (read = await stream.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, limit - buffer.Length)), cancellationToken).ConfigureAwait(false)) > 0)
            {
                buffer.Write(chunk, 0, read);
            }

            return buffer.ToArray();
        }
    }

    private static string Decode(byte[] body, string? charset)
    {
        if (!string.IsNullOrEmpty(charset))
        {
            try
            {
                return Encoding.GetEncoding(charset.Trim('"')).GetString(body);
            }
            catch (ArgumentException)
            {
                // Unknown charset (no code pages in the image): read it as UTF-8.
            }
        }

        return Encoding.UTF8.GetString(body);
    }

    private static FetchRefusedException? FindRefusal(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is FetchRefusedException refused)
            {
                return refused;
            }
        }

        return null;
    }
}
