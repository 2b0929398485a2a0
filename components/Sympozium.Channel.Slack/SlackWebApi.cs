using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sympozium.Channels;

namespace Sympozium.Channel.Slack;

/// <summary>The Web API methods the pod calls: apps.connections.open (app token) and chat.postMessage (bot token).</summary>
internal sealed class SlackWebApi : IDisposable
{
    /// <summary>Error codes worth retrying; every other <c>ok:false</c> is permanent (channel_not_found, not_in_channel, invalid_auth, …).</summary>
    private static readonly HashSet<string> TransientErrors =
        ["ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"];

    private readonly SlackOptions _options;
    private readonly HttpClient _http;
    private readonly HttpRetryPolicy _retry;

    public SlackWebApi(SlackOptions options, ILogger logger)
    {
        _options = options;
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _retry = new HttpRetryPolicy(HttpRetryOptions.Default, logger);
    }

    /// <summary>A fresh Socket Mode WebSocket URL (single use).</summary>
    /// <exception cref="ChannelSendException">Slack refused (the message holds its error code, e.g. invalid_auth).</exception>
    public async Task<Uri> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var result = await _retry.SendAsync(
            _http,
            "slack apps.connections.open",
            () => new HttpRequestMessage(HttpMethod.Post, _options.ApiUrl + "/apps.connections.open")
            {
                Headers = { Authorization = new AuthenticationHeaderValue("Bearer", _options.AppToken) },
                Content = new FormUrlEncodedContent([]),
            },
            null,
            cancellationToken).ConfigureAwait(false);
        var answer = Parse(result.Body, SlackJsonContext.Default.ConnectionsOpenResponse);
        if (answer is { Ok: true, Url: { } url } && Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return uri;
        }

        var error = answer?.Error ?? $"HTTP {result.StatusCode}, no url";
        throw new ChannelSendException($"apps.connections.open failed: {error}", isPermanent: error is "invalid_auth" or "not_authed" or "not_allowed_token_type");
    }

    /// <summary><c>chat.postMessage</c>; <c>ok:false</c> is an error naming Slack's code.</summary>
    public async Task PostMessageAsync(PostMessageRequest request, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(request, SlackJsonContext.Default.PostMessageRequest);
        var result = await _retry.SendAsync(
            _http,
            "slack chat.postMessage",
            () => new HttpRequestMessage(HttpMethod.Post, _options.ApiUrl + "/chat.postMessage")
            {
                Headers = { Authorization = new AuthenticationHeaderValue("Bearer", _options.BotToken) },
                Content = new ByteArrayContent(json) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" } } },
            },
            null,
            cancellationToken).ConfigureAwait(false);
        var answer = Parse(result.Body, SlackJsonContext.Default.PostMessageResponse);
        if (result.IsSuccess && answer is { Ok: true })
        {
            return;
        }

        var error = answer?.Error ?? (answer is null ? "the answer is not Web API JSON" : "ok:false without an error code");
        throw new ChannelSendException(
            $"chat.postMessage to {request.Channel} failed: HTTP {result.StatusCode}, error {error}",
            isPermanent: !result.IsTransient && !TransientErrors.Contains(error));
    }

    public void Dispose() => _http.Dispose();

    private static T? Parse<T>(string body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
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
