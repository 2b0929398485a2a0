using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sympozium.EventBus.Serialization;

/// <summary>
/// The envelope's <c>data</c>: any JSON value, kept as is. An undefined element (no data) is
/// written as <c>null</c>, as Go writes a nil <c>json.RawMessage</c>.
/// </summary>
internal sealed class RawJsonConverter : JsonConverter<JsonElement>
{
    public override JsonElement Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return document.RootElement.Clone();
    }

    public override void Write(Utf8JsonWriter writer, JsonElement value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value.ValueKind == JsonValueKind.Undefined)
        {
            writer.WriteNullValue();
            return;
        }

        value.WriteTo(writer);
    }
}
