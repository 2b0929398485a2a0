using Microsoft.Extensions.Logging;
using Sympozium.Channels.Internal;

namespace Sympozium.Channels;

/// <summary>
/// Sends a platform API request and retries on 429, 5xx and network errors: it waits what the
/// platform asks (the body's hint, e.g. Telegram's <c>parameters.retry_after</c>, else the
/// <c>Retry-After</c> header), else backs off exponentially. Upstream never retried, so a rate
/// limit silently dropped replies.
/// </summary>
public sealed class HttpRetryPolicy(HttpRetryOptions options, ILogger logger, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public HttpRetryOptions Options => options;

    /// <summary>
    /// Sends until the answer is not transient or the attempts are used up, and returns the last
    /// answer (the caller decides what a non-success means).
    /// </summary>
    /// <param name="client">The client (its own timeout should be infinite; each attempt has <see cref="HttpRetryOptions.AttemptTimeout"/>).</param>
    /// <param name="operation">Names the call in logs, e.g. <c>telegram sendMessage</c>; never holds a token.</param>
    /// <param name="createRequest">Makes a fresh request per attempt.</param>
    /// <param name="retryAfterFromBody">Reads a wait the platform put in the body, or null.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="ChannelSendException">Every attempt failed without an HTTP answer (transient).</exception>
    public async Task<HttpCallResult> SendAsync(
        HttpClient client,
        string operation,
        Func<HttpRequestMessage> createRequest,
        Func<HttpCallResult, TimeSpan?>? retryAfterFromBody,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(createRequest);
        for (var attempt = 1; ; attempt++)
        {
            HttpCallResult result;
            try
            {
                result = await SendOnceAsync(client, createRequest, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or TimeoutException or IOException && !cancellationToken.IsCancellationRequested)
            {
                if (attempt >= options.MaxAttempts)
                {
                    throw new ChannelSendException($"{operation} failed after {attempt} attempts: {e.Message}", isPermanent: false, e);
                }

                var backoff = Backoff(attempt);
                Log.HttpRetry(logger, operation, attempt, options.MaxAttempts, e.Message, backoff);
                await Task.Delay(backoff, _clock, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (!result.IsTransient || attempt >= options.MaxAttempts)
            {
                return result;
            }

            var asked = retryAfterFromBody?.Invoke(result) ?? result.RetryAfter;
            if (asked > options.MaxDelay)
            {
                Log.HttpRetryTooLong(logger, operation, result.StatusCode, asked.Value, options.MaxDelay);
                return result;
            }

            var delay = asked ?? Backoff(attempt);
            Log.HttpRetry(logger, operation, attempt, options.MaxAttempts, "HTTP " + result.StatusCode, delay);
            await Task.Delay(delay, _clock, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<HttpCallResult> SendOnceAsync(HttpClient client, Func<HttpRequestMessage> createRequest, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.AttemptTimeout);
        using var request = createRequest();
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            return new HttpCallResult((int)response.StatusCode, body, RetryAfter(response));
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer within {options.AttemptTimeout.TotalSeconds:0} s", e);
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    private TimeSpan Backoff(int attempt)
    {
        var delay = options.BaseDelay * Math.Pow(2, Math.Min(attempt - 1, 10));
        return delay > options.MaxDelay ? options.MaxDelay : delay;
    }
}
