using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sympozium.Channels;

namespace Sympozium.Channel.WhatsApp;

/// <summary>
/// The one Graph call the pod makes: <c>POST {api}/{phone-number-id}/messages</c> with the
/// access token as Bearer. Neither the token nor the URL's query reaches a log line.
/// </summary>
internal sealed class WhatsAppCloudApi : IDisposable
{
    private readonly WhatsAppOptions _options;
    private readonly HttpClient _http;
    private readonly HttpRetryPolicy _retry;

    public WhatsAppCloudApi(WhatsAppOptions options, ILogger logger)
    {
        _options = options;
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _retry = new HttpRetryPolicy(HttpRetryOptions.Default, logger);
    }

    /// <summary>Sends one text message, retried on 429 and 5xx; other 4xx are permanent (bad number, expired token, closed 24 h window).</summary>
    public async Task SendTextAsync(SendTextRequest request, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(request, WhatsAppJsonContext.Default.SendTextRequest);
        var result = await _retry.SendAsync(
            _http,
            "whatsapp POST /messages",
            () => new HttpRequestMessage(HttpMethod.Post, $"{_options.ApiUrl}/{_options.PhoneNumberId}/messages")
            {
                Headers = { Authorization = new AuthenticationHeaderValue("Bearer", _options.AccessToken) },
                Content = new ByteArrayContent(json) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" } } },
            },
            null,
            cancellationToken).ConfigureAwait(false);
        if (result.IsSuccess)
        {
            return;
        }

        throw new ChannelSendException($"WhatsApp send to {request.To} failed: {Describe(result)}", isPermanent: !result.IsTransient);
    }

    public void Dispose() => _http.Dispose();

    private static string Describe(HttpCallResult result)
    {
        GraphError? error = null;
        try
        {
            error = JsonSerializer.Deserialize(result.Body, WhatsAppJsonContext.Default.GraphErrorBody)?.Error;
        }
        catch (JsonException)
        {
        }

        var message = error?.Message ?? "no Graph error body";
        if (message.Length > 300)
        {
            message = message[..300] + "…";
        }

        return error?.Code is { } code ? $"HTTP {result.StatusCode}, code {code}: {message}" : $"HTTP {result.StatusCode}: {message}";
    }
}
