namespace Sympozium.Testing.Channels;

/// <summary>A scripted answer of a fake platform to one send call; the queue is consumed in order.</summary>
public sealed record FakeReply
{
    /// <summary>HTTP status.</summary>
    public int Status { get; init; } = 200;

    /// <summary>Telegram: <c>description</c>; Slack: the <c>error</c> code.</summary>
    public string? Error { get; init; }

    /// <summary>Telegram: <c>parameters.retry_after</c>; Slack: the <c>Retry-After</c> header.</summary>
    public int? RetryAfterSeconds { get; init; }

    /// <summary>How long the fake holds the request before it answers (a platform that hangs); null answers at once.</summary>
    public TimeSpan? Delay { get; init; }

    /// <summary>A request that gets no answer for a minute: the caller is stopped while it waits.</summary>
    public static FakeReply Hang() => new() { Delay = TimeSpan.FromMinutes(1) };

    /// <summary>Telegram 429 "Too Many Requests: retry after N" with <c>parameters.retry_after</c> / Slack 429 with Retry-After.</summary>
    public static FakeReply RateLimited(int retryAfterSeconds) => new() { Status = 429, Error = $"Too Many Requests: retry after {retryAfterSeconds}", RetryAfterSeconds = retryAfterSeconds };

    /// <summary>Telegram's answer to unbalanced Markdown.</summary>
    public static FakeReply CantParseEntities() => new() { Status = 400, Error = "Bad Request: can't parse entities: Can't find end of the entity starting at byte offset 3" };

    /// <summary>A server error.</summary>
    public static FakeReply ServerError() => new() { Status = 502, Error = "Bad Gateway" };

    /// <summary>Slack's <c>{"ok":false,"error":code}</c> with HTTP 200.</summary>
    public static FakeReply SlackError(string code) => new() { Status = 200, Error = code };

    /// <summary>Telegram 400 with a description (e.g. "Bad Request: chat not found").</summary>
    public static FakeReply BadRequest(string description) => new() { Status = 400, Error = description };
}
