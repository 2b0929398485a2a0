using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sympozium.Channels;

namespace Sympozium.Channel.Telegram;

/// <summary>
/// The two Bot API methods the pod calls, over HTTPS with the token in the path
/// (<c>{api}/bot{token}/{method}</c>). Neither the URL nor the token reaches a log line.
/// </summary>
internal sealed class TelegramBotApi : IDisposable
{
    /// <summary>Slack for the server to answer after the long-poll window has passed.</summary>
    private static readonly TimeSpan PollMargin = TimeSpan.FromSeconds(15);

    private readonly TelegramOptions _options;
    private readonly HttpClient _http;
    private readonly HttpRetryPolicy _retry;

    public TelegramBotApi(TelegramOptions options, ILogger logger, HttpMessageHandler? handler = null)
    {
        _options = options;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            // Each call sets its own deadline (long polls need longer than sends).
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _retry = new HttpRetryPolicy(HttpRetryOptions.Default, logger);
    }

    /// <summary>
    /// <c>getUpdates?offset=&amp;timeout=</c>: waits up to <see cref="TelegramOptions.PollTimeout"/>
    /// for messages (a short poll, <c>timeout=0</c>, when <paramref name="longPoll"/> is false);
    /// the HTTP deadline is longer than that window.
    /// </summary>
    /// <exception cref="TelegramApiException">ok:false.</exception>
    /// <exception cref="HttpRequestException">Network error.</exception>
    /// <exception cref="TimeoutException">No answer within the window plus the margin.</exception>
    public async Task<IReadOnlyList<TelegramUpdate>> GetUpdatesAsync(long offset, bool longPoll, CancellationToken cancellationToken)
    {
        var seconds = longPoll ? (int)_options.PollTimeout.TotalSeconds : 0;
        var query = string.Create(CultureInfo.InvariantCulture, $"getUpdates?offset={offset}&timeout={seconds}&allowed_updates=%5B%22message%22%5D");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.PollTimeout + PollMargin);
        string body;
        int status;
        try
        {
            using var response = await _http.GetAsync(MethodUri(query), deadline.Token).ConfigureAwait(false);
            status = (int)response.StatusCode;
            body = await response.Content.ReadAsStringAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Telegram getUpdates: no answer within {(_options.PollTimeout + PollMargin).TotalSeconds:0} s", e);
        }

        var answer = Parse(body, TelegramJsonContext.Default.TelegramResponseListTelegramUpdate);
        if (answer is not { Ok: true })
        {
            throw Error("getUpdates", status, answer);
        }

        return answer.Result ?? [];
    }

    /// <summary>
    /// <c>sendMessage</c>, retried on 429 (waiting <c>retry_after</c>) and 5xx. When Telegram cannot
    /// parse the Markdown/HTML of the text it is sent again as plain text: upstream lost those
    /// replies. Throws <see cref="ChannelSendException"/>, permanent for 4xx.
    /// </summary>
    public async Task SendMessageAsync(SendMessageRequest request, CancellationToken cancellationToken)
    {
        var result = await SendOnceAsync(request, cancellationToken).ConfigureAwait(false);
        var answer = Parse(result.Body, TelegramJsonContext.Default.TelegramResponseTelegramMessage);
        if (result.IsSuccess && answer is { Ok: true })
        {
            return;
        }

        if (result.StatusCode == 400 && request.ParseMode is not null &&
            answer?.Description?.Contains("can't parse entities", StringComparison.OrdinalIgnoreCase) == true)
        {
            request = request with { ParseMode = null };
            result = await SendOnceAsync(request, cancellationToken).ConfigureAwait(false);
            answer = Parse(result.Body, TelegramJsonContext.Default.TelegramResponseTelegramMessage);
            if (result.IsSuccess && answer is { Ok: true })
            {
                return;
            }
        }

        var error = Error("sendMessage", result.StatusCode, answer);
        throw new ChannelSendException(error.Message, isPermanent: !result.IsTransient, error);
    }

    public void Dispose() => _http.Dispose();

    private Task<HttpCallResult> SendOnceAsync(SendMessageRequest request, CancellationToken cancellationToken)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(request, TelegramJsonContext.Default.SendMessageRequest);
        return _retry.SendAsync(
            _http,
            "telegram sendMessage",
            () => new HttpRequestMessage(HttpMethod.Post, MethodUri("sendMessage"))
            {
                Content = new ByteArrayContent(json) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" } } },
            },
            static result => Parse(result.Body, TelegramJsonContext.Default.TelegramResponseTelegramMessage)?.Parameters?.RetryAfter is { } seconds
                ? TimeSpan.FromSeconds(seconds)
                : null,
            cancellationToken);
    }

    private Uri MethodUri(string methodAndQuery) => new($"{_options.ApiUrl}/bot{_options.BotToken}/{methodAndQuery}");

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

    private static TelegramApiException Error<T>(string method, int status, TelegramResponse<T>? answer)
    {
        var description = answer?.Description ?? (answer is null ? "the answer is not Bot API JSON" : "ok:false without a description");
        var retryAfter = answer?.Parameters?.RetryAfter is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
        return new TelegramApiException(method, answer?.ErrorCode ?? status, Redact(description), retryAfter);
    }

    // Descriptions are Telegram's own sentences; cap them so an HTML error page does not flood the log.
    private static string Redact(string description)
    {
        var text = new StringBuilder(description.Length > 300 ? description[..300] + "…" : description);
        return text.Replace('\n', ' ').ToString();
    }
}
