using System.Text.Json.Serialization;

namespace Sympozium.Channels.Serialization;

/// <summary>
/// Source-generated JSON for the channel pod's own <c>/healthz</c> body (camelCase, nulls
/// omitted). The bus payloads are Sympozium.Api's <c>MessageJsonContext</c>.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    PropertyNameCaseInsensitive = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(HealthReport))]
public sealed partial class ChannelJsonContext : JsonSerializerContext;
