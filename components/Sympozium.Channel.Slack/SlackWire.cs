using System.Text.Json.Serialization;

namespace Sympozium.Channel.Slack;

// The subset of Slack's JSON this pod reads and writes (api.slack.com: Events API, Socket Mode, Web API).

/// <summary>A Socket Mode frame: <c>hello</c>, <c>disconnect</c>, <c>events_api</c>, <c>slash_commands</c>, <c>interactive</c>.</summary>
internal sealed record SocketModeEnvelope
{
    public string? Type { get; init; }

    public string? EnvelopeId { get; init; }

    /// <summary>For <c>events_api</c>, the same body the Events API would POST.</summary>
    public EventsApiBody? Payload { get; init; }

    /// <summary>For <c>disconnect</c>: <c>warning</c>, <c>refresh_requested</c>, <c>link_disabled</c>.</summary>
    public string? Reason { get; init; }

    public int? RetryAttempt { get; init; }
}

/// <summary>The ack Slack waits for (within 3 s) per envelope.</summary>
internal sealed record SocketModeAck(string EnvelopeId);

/// <summary>An Events API request body: <c>url_verification</c> or <c>event_callback</c>.</summary>
internal sealed record EventsApiBody
{
    public string? Type { get; init; }

    public string? Challenge { get; init; }

    public string? EventId { get; init; }

    public string? TeamId { get; init; }

    public SlackEvent? Event { get; init; }
}

/// <summary>An inner event; only <c>message</c> events are read.</summary>
internal sealed record SlackEvent
{
    public string? Type { get; init; }

    public string? Subtype { get; init; }

    public string? User { get; init; }

    public string? BotId { get; init; }

    public string? Text { get; init; }

    public string? Channel { get; init; }

    /// <summary><c>im</c>, <c>mpim</c>, <c>channel</c> or <c>group</c>.</summary>
    public string? ChannelType { get; init; }

    public string? Ts { get; init; }

    public string? ThreadTs { get; init; }

    public string? Team { get; init; }
}

internal sealed record ConnectionsOpenResponse
{
    public bool Ok { get; init; }

    public string? Url { get; init; }

    public string? Error { get; init; }
}

internal sealed record PostMessageRequest
{
    public required string Channel { get; init; }

    public required string Text { get; init; }

    public string? ThreadTs { get; init; }
}

internal sealed record PostMessageResponse
{
    public bool Ok { get; init; }

    public string? Error { get; init; }

    public string? Ts { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SocketModeEnvelope))]
[JsonSerializable(typeof(SocketModeAck))]
[JsonSerializable(typeof(EventsApiBody))]
[JsonSerializable(typeof(ConnectionsOpenResponse))]
[JsonSerializable(typeof(PostMessageRequest))]
[JsonSerializable(typeof(PostMessageResponse))]
[JsonSerializable(typeof(string))]
internal sealed partial class SlackJsonContext : JsonSerializerContext;
