using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Sympozium.Channels;

namespace Sympozium.Channel.Discord;

/// <summary>
/// The two REST calls the pod makes, with <c>Authorization: Bot &lt;token&gt;</c>:
/// <c>GET /gateway/bot</c> (where to connect) and <c>POST /channels/{id}/messages</c>.
/// The token never reaches a log line or an exception message.
/// </summary>
internal sealed class DiscordRestApi : IDisposable
{
    private readonly DiscordOptions _options;
    private readonly HttpClient _http;
    private readonly HttpRetryPolicy _retry;

    public DiscordRestApi(DiscordOptions options, ILogger logger)
    {
        _options = options;
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _retry = new HttpRetryPolicy(HttpRetryOptions.Default, logger);
    }

    /// <summary>The gateway URL to dial.</summary>
    /// <exception cref="ChannelSendException">Discord refused; permanent for 401/403 (a wrong token).</exception>
    public async Task<Uri> GetGatewayUrlAsync(CancellationToken cancellationToken)
    {
        var result = await _retry.SendAsync(
            _http,
            "discord GET /gateway/bot",
            () => Authorized(new HttpRequestMessage(HttpMethod.Get, _options.ApiUrl + "/gateway/bot")),
            RetryAfterFromBody,
            cancellationToken).ConfigureAwait(false);
        if (result.IsSuccess && Parse(result.Body, DiscordJsonContext.Default.GatewayBotResponse)?.Url is { } url &&
            Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return uri;
        }

        throw new ChannelSendException($"GET /gateway/bot failed: {Describe(result)}", isPermanent: result.StatusCode is 401 or 403);
    }

    /// <summary>
    /// Posts one message, retried on 429 (waiting the body's <c>retry_after</c>) and 5xx.
    /// Throws <see cref="ChannelSendException"/>, permanent for other 4xx (unknown channel, missing access).
    /// </summary>
    public async Task CreateMessageAsync(string channelId, CreateMessageRequest request, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(request, DiscordJsonContext.Default.CreateMessageRequest);
        var result = await _retry.SendAsync(
            _http,
            "discord POST /channels/{id}/messages",
            () => Authorized(new HttpRequestMessage(HttpMethod.Post, $"{_options.ApiUrl}/channels/{channelId}/messages")
            {
                Content = new ByteArrayContent(json) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" } } },
            }),
            RetryAfterFromBody,
            cancellationToken).ConfigureAwait(false);
        if (result.IsSuccess)
        {
            return;
        }

        throw new ChannelSendException($"POST /channels/{channelId}/messages failed: {Describe(result)}", isPermanent: !result.IsTransient);
    }

    public void Dispose() => _http.Dispose();

    private HttpRequestMessage Authorized(HttpRequestMessage request)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bot", _options.BotToken);
        return request;
    }

    // Discord's 429 body names the wait in fractional seconds, more precise than Retry-After.
    private static TimeSpan? RetryAfterFromBody(HttpCallResult result) =>
        result.StatusCode == 429 && Parse(result.Body, DiscordJsonContext.Default.DiscordError)?.RetryAfter is { } seconds and >= 0
            ? TimeSpan.FromSeconds(seconds)
            : null;

    private static string Describe(HttpCallResult result)
    {
        var error = Parse(result.Body, DiscordJsonContext.Default.DiscordError);
        var message = error?.Message ?? "no Discord error body";
        if (message.Length > 300)
        {
            message = message[..300] + "…";
        }

        return error?.Code is { } code ? $"HTTP {result.StatusCode}, code {code}: {message}" : $"HTTP {result.StatusCode}: {message}";
    }

    private static T? Parse<T>(string body, JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(body, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
