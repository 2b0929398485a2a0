using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sympozium.Api.Meta;

/// <summary>
/// A Kubernetes resource quantity as written in a manifest: either a number (<c>cpu: 1</c>) or a
/// string (<c>memory: 256Mi</c>). The written form is kept so a manifest round-trips unchanged;
/// <see cref="Validation.QuantityParser"/> checks and compares values.
/// </summary>
[JsonConverter(typeof(QuantityJsonConverter))]
public readonly record struct Quantity(string Value, bool WrittenAsNumber = false)
{
    public static implicit operator Quantity(string value) => new(value);

    public override string ToString() => Value;
}

/// <summary>Reads a quantity from a JSON number or string and writes it back in the same form.</summary>
public sealed class QuantityJsonConverter : JsonConverter<Quantity>
{
    public override Quantity Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.String => new Quantity(reader.GetString()!),
            JsonTokenType.Number => new Quantity(
                System.Text.Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan),
                WrittenAsNumber: true),
            _ => throw new JsonException($"a quantity must be a string such as \"500m\" or a number, not {reader.TokenType}"),
        };

    public override void Write(Utf8JsonWriter writer, Quantity value, JsonSerializerOptions options)
    {
        if (value.WrittenAsNumber && decimal.TryParse(value.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            writer.WriteRawValue(value.Value, skipInputValidation: false);
        }
        else
        {
            writer.WriteStringValue(value.Value);
        }
    }
}
