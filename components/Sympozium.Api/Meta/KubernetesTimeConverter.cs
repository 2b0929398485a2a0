using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sympozium.Api.Meta;

/// <summary>
/// metav1.Time on the wire: RFC 3339 in UTC with a trailing <c>Z</c> and second precision,
/// which is what the API server stores and what kubectl prints.
/// </summary>
public sealed class KubernetesTimeConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        if (text is null || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
        {
            throw new JsonException($"'{text}' is not an RFC 3339 time such as 2025-01-02T03:04:05Z");
        }

        return value.ToUniversalTime();
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Format(value));

    /// <summary>Formats a time the way the API server does (<c>2025-01-02T03:04:05Z</c>).</summary>
    public static string Format(DateTimeOffset value) =>
        value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
