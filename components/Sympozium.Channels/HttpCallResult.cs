namespace Sympozium.Channels;

/// <summary>The final answer of a platform API call: status, body, and the <c>Retry-After</c> header if any.</summary>
public readonly record struct HttpCallResult(int StatusCode, string Body, TimeSpan? RetryAfter)
{
    public bool IsSuccess => StatusCode is >= 200 and < 300;

    /// <summary>429 or a server error: worth another attempt.</summary>
    public bool IsTransient => StatusCode is 429 or 408 or >= 500;
}
