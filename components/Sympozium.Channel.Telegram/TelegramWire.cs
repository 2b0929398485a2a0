using System.Text.Json.Serialization;

namespace Sympozium.Channel.Telegram;

// The subset of the Bot API's JSON this pod reads and writes (https://core.telegram.org/bots/api).

/// <summary>Every Bot API answer: <c>{"ok":true,"result":…}</c> or <c>{"ok":false,"error_code":…,"description":…,"parameters":{…}}</c>.</summary>
internal sealed record TelegramResponse<T>
{
    public bool Ok { get; init; }

    public T? Result { get; init; }

    public int? ErrorCode { get; init; }

    public string? Description { get; init; }

    public TelegramResponseParameters? Parameters { get; init; }
}

internal sealed record TelegramResponseParameters
{
    /// <summary>Seconds to wait after a 429.</summary>
    public int? RetryAfter { get; init; }

    public long? MigrateToChatId { get; init; }
}

internal sealed record TelegramUpdate
{
    public long UpdateId { get; init; }

    public TelegramMessage? Message { get; init; }
}

internal sealed record TelegramMessage
{
    public long MessageId { get; init; }

    public long? MessageThreadId { get; init; }

    public bool? IsTopicMessage { get; init; }

    public TelegramUser? From { get; init; }

    public TelegramChat? Chat { get; init; }

    public string? Text { get; init; }
}

internal sealed record TelegramUser
{
    public long Id { get; init; }

    public bool IsBot { get; init; }

    public string? FirstName { get; init; }

    public string? Username { get; init; }
}

internal sealed record TelegramChat
{
    public long Id { get; init; }

    public string? Type { get; init; }
}

/// <summary>The body of <c>sendMessage</c>.</summary>
internal sealed record SendMessageRequest
{
    /// <summary>Sent as a string, which the Bot API accepts for numeric ids too (as upstream).</summary>
    public required string ChatId { get; init; }

    public required string Text { get; init; }

    public string? ParseMode { get; init; }

    public long? MessageThreadId { get; init; }

    public long? ReplyToMessageId { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TelegramResponse<List<TelegramUpdate>>))]
[JsonSerializable(typeof(TelegramResponse<TelegramMessage>))]
[JsonSerializable(typeof(SendMessageRequest))]
internal sealed partial class TelegramJsonContext : JsonSerializerContext;
