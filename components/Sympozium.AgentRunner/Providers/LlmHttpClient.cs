using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sympozium.AgentRunner.Providers;

/// <summary>Retry and timeout settings for provider calls.</summary>
public sealed record LlmRetryPolicy
{
    /// <summary>Retries after the first attempt (default 5; local providers 2).</summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>Timeout of one HTTP attempt (default none; local providers 5 min).</summary>
    public TimeSpan? RequestTimeout { get; init; }

    /// <summary>First backoff; doubled per retry (default 0.5 s).</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest computed backoff (default 8 s).</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>Longest Retry-After honoured; a longer one fails the call instead of stalling the run (default 60 s).</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(60);

    public static LlmRetryPolicy Default { get; } = new();
}

/// <summary>
/// POSTs JSON to a provider with retries on connection errors, 408, 409, 429 and 5xx, honouring
/// Retry-After. A final failure becomes a <see cref="ProviderException"/> whose message starts
/// with the provider's label, e.g. <c>OpenAI API error (HTTP 401): invalid api key</c>.
/// </summary>
public sealed class LlmHttpClient(HttpClient http, LlmRetryPolicy policy, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Number of HTTP attempts made so far (for tests and logs).</summary>
    public int Attempts { get; private set; }

    public async Task<JsonNode> PostJsonAsync(string label, Uri uri, JsonNode body, Action<HttpRequestHeaders> headers, CancellationToken cancellationToken)
    {
        var payload = body.ToJsonString();
        for (var attempt = 0; ; attempt++)
        {
            Attempts++;
            using var request = new HttpRequestMessage(HttpMethod.Post, uri)
            {
                Content = new StringContent(payload, Encoding.UTF8, "application/json"),
            };
            headers(request.Headers);

            using var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (policy.RequestTimeout is { } timeout)
            {
                attemptCts.CancelAfter(timeout);
            }

            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, attemptCts.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                var reason = e is OperationCanceledException ? $"request timed out after {policy.RequestTimeout?.TotalSeconds:0.#} s" : e.Message;
                if (attempt >= policy.MaxRetries)
                {
                    throw new ProviderException($"{label} API error: {reason} (after {attempt + 1} attempts)", null, e);
                }

                await DelayAsync(Backoff(attempt), cancellationToken).ConfigureAwait(false);
                continue;
            }

            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                var status = (int)response.StatusCode;
                if (response.IsSuccessStatusCode)
                {
                    try
                    {
                        return JsonNode.Parse(text) ?? throw new JsonException("empty body");
                    }
                    catch (JsonException e)
                    {
                        throw new ProviderException($"{label} API error: unreadable response body ({e.Message}): {Truncate(text, 200)}", status, e);
                    }
                }

                if (IsRetryable(response.StatusCode) && attempt < policy.MaxRetries)
                {
                    var retryAfter = RetryAfter(response);
                    if (retryAfter is { } wait && wait > policy.MaxRetryAfter)
                    {
                        throw new ProviderException($"{label} API error (HTTP {status}): {ErrorMessage(text)} (Retry-After {wait.TotalSeconds:0} s exceeds the {policy.MaxRetryAfter.TotalSeconds:0} s limit)", status);
                    }

                    await DelayAsync(retryAfter ?? Backoff(attempt), cancellationToken).ConfigureAwait(false);
                    continue;
                }

                throw new ProviderException($"{label} API error (HTTP {status}): {ErrorMessage(text)}", status);
            }
        }
    }

    private static bool IsRetryable(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.Conflict or HttpStatusCode.TooManyRequests || (int)status >= 500;

    private TimeSpan Backoff(int attempt)
    {
        var ms = Math.Min(policy.InitialBackoff.TotalMilliseconds * Math.Pow(2, attempt), policy.MaxBackoff.TotalMilliseconds);
        // Up to 25 % jitter so parallel runs do not retry in lockstep.
        return TimeSpan.FromMilliseconds(ms * (1 - (Random.Shared.NextDouble() * 0.25)));
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.TryGetValues("retry-after-ms", out var msValues)
            && double.TryParse(msValues.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var ms))
        {
            return TimeSpan.FromMilliseconds(ms);
        }

        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - _time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    private Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken) =>
        delay <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(delay, _time, cancellationToken);

    /// <summary>The provider's own error text (OpenAI, Anthropic and Ollama shapes), at most 500 characters.</summary>
    internal static string ErrorMessage(string body)
    {
        try
        {
            var node = JsonNode.Parse(body);
            var message = node?["error"] switch
            {
                JsonObject error => error["message"]?.GetValue<string>(),
                JsonValue error when error.GetValueKind() == JsonValueKind.String => error.GetValue<string>(),
                _ => node?["message"]?.GetValue<string>(),
            };
            if (!string.IsNullOrWhiteSpace(message))
            {
                return Truncate(message, 500);
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not JSON: report the body itself.
        }

        return Truncate(string.IsNullOrWhiteSpace(body) ? "(empty body)" : body.Trim(), 500);
    }

    internal static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
