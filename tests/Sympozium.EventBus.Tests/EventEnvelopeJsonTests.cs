using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sympozium.EventBus.Tests;

/// <summary>The envelope must read and write exactly like upstream's Go <c>eventbus.Event</c>.</summary>
public sealed class EventEnvelopeJsonTests
{
    private static readonly DateTimeOffset Noon = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Fact]
    public void Envelope_is_written_with_upstream_field_order_and_the_unprefixed_topic()
    {
        var envelope = new EventEnvelope
        {
            Topic = "agent.run.completed",
            Timestamp = Noon.AddTicks(1234567),
            Metadata = new Dictionary<string, string> { ["instanceName"] = "alice", ["agentRunID"] = "r1" },
            Data = Json("""{ "status": "success",  "response": "hi" }"""),
        };

        var json = Encoding.UTF8.GetString(envelope.ToUtf8Bytes());

        Assert.Equal(
            """{"topic":"agent.run.completed","timestamp":"2025-01-02T03:04:05.1234567Z","metadata":{"agentRunID":"r1","instanceName":"alice"},"data":{"status":"success","response":"hi"}}""",
            json);
        Assert.Equal("sympozium.agent.run.completed", envelope.Subject);
    }

    [Theory]
    [InlineData(0, "2025-01-02T03:04:05Z")]
    [InlineData(1, "2025-01-02T03:04:05.0000001Z")]
    [InlineData(1_000_000, "2025-01-02T03:04:05.1Z")]
    [InlineData(1_230_000, "2025-01-02T03:04:05.123Z")]
    public void Timestamp_is_RFC3339_in_UTC_with_trailing_zeros_trimmed_like_Go(long ticks, string expected)
    {
        var envelope = EventEnvelope.Create("t", null, Json("1"), new FixedClock(Noon.AddTicks(ticks)));

        var written = JsonNode.Parse(envelope.ToUtf8Bytes())!["timestamp"]!.GetValue<string>();

        Assert.Equal(expected, written);
    }

    [Fact]
    public void Timestamp_in_another_offset_is_written_in_UTC()
    {
        var envelope = EventEnvelope.Create("t", null, Json("1"), new FixedClock(new DateTimeOffset(2025, 1, 2, 5, 4, 5, TimeSpan.FromHours(2))));

        Assert.Contains("\"timestamp\":\"2025-01-02T03:04:05Z\"", Encoding.UTF8.GetString(envelope.ToUtf8Bytes()), StringComparison.Ordinal);
    }

    [Fact]
    public void Envelope_written_by_upstream_Go_is_read_with_nanoseconds_and_a_local_offset()
    {
        var go = """{"topic":"agent.stream.chunk","timestamp":"2025-01-02T05:04:05.123456789+02:00","metadata":{"agentRunID":"r1","instanceName":"alice"},"data":{"type":"text","content":"hi","index":0}}"""u8;

        var envelope = EventEnvelope.Parse(go);

        Assert.Equal("agent.stream.chunk", envelope.Topic);
        Assert.Equal(Noon.AddTicks(1234567), envelope.Timestamp);
        Assert.Equal("r1", envelope.Metadata["agentRunID"]);
        Assert.Equal("hi", envelope.Data.GetProperty("content").GetString());
    }

    [Fact]
    public void Null_metadata_from_a_nil_Go_map_reads_as_empty()
    {
        var envelope = EventEnvelope.Parse("""{"topic":"x","timestamp":"2025-01-02T03:04:05Z","metadata":null,"data":null}"""u8);

        Assert.Empty(envelope.Metadata);
        Assert.Equal(JsonValueKind.Null, envelope.Data.ValueKind);
    }

    [Fact]
    public void Metadata_keys_are_written_in_ordinal_order_like_a_Go_map()
    {
        var envelope = EventEnvelope.Create("t", new Dictionary<string, string> { ["b"] = "2", ["B"] = "1", ["a"] = "3" }, Json("{}"));

        Assert.Contains("\"metadata\":{\"B\":\"1\",\"a\":\"3\",\"b\":\"2\"}", Encoding.UTF8.GetString(envelope.ToUtf8Bytes()), StringComparison.Ordinal);
    }

    [Fact]
    public void Data_is_written_compact_and_non_ASCII_text_stays_UTF8()
    {
        var envelope = EventEnvelope.Create("t", null, Json("{\n  \"text\": \"Grüße, 世界\"\n}"));

        var json = Encoding.UTF8.GetString(envelope.ToUtf8Bytes());

        Assert.EndsWith("\"data\":{\"text\":\"Grüße, 世界\"}}", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Envelope_without_data_writes_null_as_Go_writes_a_nil_RawMessage()
    {
        var envelope = new EventEnvelope { Topic = "t", Timestamp = Noon };

        Assert.EndsWith("\"metadata\":{},\"data\":null}", Encoding.UTF8.GetString(envelope.ToUtf8Bytes()), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"timestamp":"2025-01-02T03:04:05Z","data":{}}""")]
    [InlineData("""{"topic":"","data":{}}""")]
    [InlineData("""[1,2]""")]
    [InlineData("""not json""")]
    public void Body_that_is_not_an_envelope_with_a_topic_is_rejected(string body)
    {
        Assert.ThrowsAny<JsonException>(() => EventEnvelope.Parse(Encoding.UTF8.GetBytes(body)));
    }

    [Fact]
    public void Envelope_survives_a_round_trip()
    {
        var original = EventEnvelope.Create("schedule.upsert", new Dictionary<string, string> { ["agentRunID"] = "r" }, Json("""{"name":"hb","action":"create"}"""));

        var read = EventEnvelope.Parse(original.ToUtf8Bytes());

        Assert.Equal(original.Topic, read.Topic);
        Assert.Equal(original.Timestamp, read.Timestamp);
        Assert.Equal(original.Metadata, read.Metadata);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(original.Data.GetRawText()), JsonNode.Parse(read.Data.GetRawText())));
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now.ToUniversalTime();
    }
}
