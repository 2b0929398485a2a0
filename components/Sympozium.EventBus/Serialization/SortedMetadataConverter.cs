using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sympozium.EventBus.Serialization;

/// <summary>
/// Envelope metadata as a JSON object of strings, keys in ordinal order as Go writes a map.
/// <c>null</c> (a nil Go map) reads as an empty map.
/// </summary>
internal sealed class SortedMetadataConverter : JsonConverter<IReadOnlyDictionary<string, string>>
{
    public override bool HandleNull => true;

    public override IReadOnlyDictionary<string, string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (reader.TokenType == JsonTokenType.Null)
        {
            return metadata;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("Event metadata must be a JSON object of strings.");
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var key = reader.GetString()!;
            reader.Read();
            metadata[key] = reader.TokenType switch
            {
                JsonTokenType.String => reader.GetString()!,
                JsonTokenType.Null => "",
                _ => throw new JsonException($"Event metadata '{key}' must be a string."),
            };
        }

        return metadata;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, string> value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        if (value is not null)
        {
            foreach (var pair in value.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                writer.WriteString(pair.Key, pair.Value);
            }
        }

        writer.WriteEndObject();
    }
}
