using System.Text.Json.Serialization;

namespace Sympozium.Channels.Serialization;

/// <summary>Source-generated JSON for the bus payloads (camelCase, nulls omitted, case-insensitive reads).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    PropertyNameCaseInsensitive = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(InboundMessage))]
[JsonSerializable(typeof(OutboundMessage))]
[JsonSerializable(typeof(HealthReport))]
public sealed partial class ChannelJsonContext : JsonSerializerContext;
