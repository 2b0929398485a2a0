namespace Sympozium.Channel.Telegram;

/// <summary>The Bot API answered <c>ok:false</c> (or not JSON). The message never holds the token.</summary>
internal sealed class TelegramApiException(string method, int status, string description, TimeSpan? retryAfter)
    : Exception($"Telegram {method}: HTTP {status}: {description}")
{
    public int Status { get; } = status;

    public string Description { get; } = description;

    /// <summary>The wait a 429 asked for (<c>parameters.retry_after</c>).</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
