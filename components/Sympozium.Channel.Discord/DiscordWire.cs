using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sympozium.Channel.Discord;

// The subset of Discord's Gateway and REST JSON this pod reads and writes
// (https://discord.com/developers/docs/events/gateway).

/// <summary>Gateway opcodes the pod handles.</summary>
internal static class GatewayOpcode
{
    public const int Dispatch = 0;
    public const int Heartbeat = 1;
    public const int Identify = 2;
    public const int Resume = 6;
    public const int Reconnect = 7;
    public const int InvalidSession = 9;
    public const int Hello = 10;
    public const int HeartbeatAck = 11;
}

/// <summary>Every frame the gateway sends: <c>{"op":…,"d":…,"s":…,"t":…}</c>.</summary>
internal sealed record GatewayEvent
{
    public int Op { get; init; }

    public JsonElement D { get; init; }

    public long? S { get; init; }

    public string? T { get; init; }
}

internal sealed record HelloData
{
    /// <summary>Milliseconds between heartbeats.</summary>
    public int HeartbeatInterval { get; init; }
}

internal sealed record ReadyData
{
    public string? SessionId { get; init; }

    public string? ResumeGatewayUrl { get; init; }

    public DiscordUser? User { get; init; }
}

internal sealed record DiscordUser
{
    public string Id { get; init; } = "";

    public string? Username { get; init; }

    public string? GlobalName { get; init; }

    public bool? Bot { get; init; }
}

internal sealed record DiscordMessage
{
    public string Id { get; init; } = "";

    public string ChannelId { get; init; } = "";

    public string? GuildId { get; init; }

    public DiscordUser? Author { get; init; }

    public string? Content { get; init; }

    /// <summary>Set on messages sent through a webhook (never a user).</summary>
    public string? WebhookId { get; init; }
}

/// <summary><c>GET /gateway/bot</c>.</summary>
internal sealed record GatewayBotResponse
{
    public string? Url { get; init; }
}

/// <summary>A heartbeat: <c>d</c> is the last sequence number or JSON null, never omitted.</summary>
internal sealed record HeartbeatCommand(
    int Op,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? D);

internal sealed record IdentifyCommand(int Op, IdentifyData D);

internal sealed record IdentifyData(string Token, int Intents, IdentifyProperties Properties);

internal sealed record IdentifyProperties(
    [property: JsonPropertyName("os")] string Os,
    [property: JsonPropertyName("browser")] string Browser,
    [property: JsonPropertyName("device")] string Device);

internal sealed record ResumeCommand(int Op, ResumeData D);

internal sealed record ResumeData(string Token, string SessionId, long? Seq);

/// <summary>The body of <c>POST /channels/{id}/messages</c>.</summary>
internal sealed record CreateMessageRequest
{
    public required string Content { get; init; }

    public MessageReference? MessageReference { get; init; }

    /// <summary>
    /// Empty <c>parse</c>: an agent's text never pings @everyone, roles or users by accident.
    /// </summary>
    public AllowedMentions AllowedMentions { get; init; } = new();
}

internal sealed record MessageReference(string MessageId);

internal sealed record AllowedMentions
{
    public IReadOnlyList<string> Parse { get; init; } = [];
}

/// <summary>The error body: <c>{"message":…,"code":…}</c>, with <c>retry_after</c> (seconds, fractional) on 429.</summary>
internal sealed record DiscordError
{
    public string? Message { get; init; }

    public int? Code { get; init; }

    public double? RetryAfter { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GatewayEvent))]
[JsonSerializable(typeof(HelloData))]
[JsonSerializable(typeof(ReadyData))]
[JsonSerializable(typeof(DiscordMessage))]
[JsonSerializable(typeof(GatewayBotResponse))]
[JsonSerializable(typeof(HeartbeatCommand))]
[JsonSerializable(typeof(IdentifyCommand))]
[JsonSerializable(typeof(ResumeCommand))]
[JsonSerializable(typeof(CreateMessageRequest))]
[JsonSerializable(typeof(DiscordError))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(string))]
internal sealed partial class DiscordJsonContext : JsonSerializerContext;
