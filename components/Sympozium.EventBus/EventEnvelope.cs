using System.Text.Json;
using System.Text.Json.Serialization;
using Sympozium.Api.WellKnown;
using Sympozium.EventBus.Serialization;

namespace Sympozium.EventBus;

/// <summary>
/// The body of every message on the bus, the same JSON as upstream's <c>eventbus.Event</c>:
/// <c>{"topic":"agent.run.completed","timestamp":"2025-01-02T03:04:05.123456789Z","metadata":{…},"data":{…}}</c>.
/// </summary>
/// <remarks>
/// Written like Go's encoding/json writes the upstream struct, so a consumer cannot tell the two
/// apart: fields in that order, metadata keys sorted, <c>data</c> compact, the timestamp in
/// RFC 3339 with up to nine fractional digits (trailing zeros dropped, as Go's RFC3339Nano).
/// Ours is always UTC. Read leniently: a <c>null</c> metadata (a nil Go map) reads as empty and
/// any RFC 3339 offset is accepted.
/// </remarks>
public sealed record EventEnvelope
{
    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();

    /// <summary>The unprefixed topic, e.g. <c>agent.run.completed</c> (the subject is <see cref="Subject"/>).</summary>
    [JsonPropertyName("topic")]
    public required string Topic { get; init; }

    /// <summary>When the event was published.</summary>
    [JsonPropertyName("timestamp")]
    [JsonConverter(typeof(Rfc3339NanoConverter))]
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>Envelope metadata (<c>agentRunID</c>, <c>instanceName</c>, …); never null.</summary>
    [JsonPropertyName("metadata")]
    [JsonConverter(typeof(SortedMetadataConverter))]
    public IReadOnlyDictionary<string, string> Metadata
    {
        get;
        init => field = value ?? NoMetadata;
    } = NoMetadata;

    /// <summary>The payload, carried as raw JSON. <c>default</c> (undefined) is written as <c>null</c>.</summary>
    [JsonPropertyName("data")]
    [JsonConverter(typeof(RawJsonConverter))]
    public JsonElement Data { get; init; }

    /// <summary>
    /// The NATS subject this envelope travels on: a scoped subject set by the publisher
    /// (<see cref="NatsSubjects.FromRun"/>, <see cref="NatsSubjects.ToChannel"/>, …), else
    /// upstream's flat <c>sympozium.</c> + <see cref="Topic"/>. Not part of the JSON.
    /// </summary>
    [JsonIgnore]
    public string Subject
    {
        get => field ?? NatsSubjects.Subject(Topic);
        init;
    }

    /// <summary>Creates an envelope stamped with the current UTC time.</summary>
    public static EventEnvelope Create(
        string topic,
        IReadOnlyDictionary<string, string>? metadata,
        JsonElement data,
        TimeProvider? clock = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        return new EventEnvelope
        {
            Topic = topic,
            Timestamp = (clock ?? TimeProvider.System).GetUtcNow(),
            Metadata = metadata ?? NoMetadata,
            Data = data,
        };
    }

    /// <summary>The UTF-8 JSON the bus carries.</summary>
    public byte[] ToUtf8Bytes() => JsonSerializer.SerializeToUtf8Bytes(this, EventBusJsonContext.Wire.EventEnvelope);

    /// <summary>Reads an envelope from the bus.</summary>
    /// <exception cref="JsonException">Not JSON, not an object, or no <c>topic</c>.</exception>
    public static EventEnvelope Parse(ReadOnlySpan<byte> utf8Json)
    {
        var envelope = JsonSerializer.Deserialize(utf8Json, EventBusJsonContext.Wire.EventEnvelope);
        if (envelope is null || string.IsNullOrEmpty(envelope.Topic))
        {
            throw new JsonException("The event envelope has no topic.");
        }

        return envelope;
    }
}
