using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sympozium.EventBus.Serialization;

/// <summary>
/// RFC 3339 timestamps as Go's <c>time.RFC3339Nano</c> writes them: UTC <c>Z</c>, fractional
/// seconds with trailing zeros dropped (none at all on a whole second). Reads any RFC 3339
/// offset and up to nine fractional digits; .NET keeps 100 ns, so the last two are dropped.
/// </summary>
internal sealed class Rfc3339NanoConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException("An event timestamp must be an RFC 3339 string.");
        }

        if (reader.TryGetDateTimeOffset(out var value))
        {
            return value;
        }

        return Parse(reader.GetString()!);
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(Format(value));
    }

    /// <summary>Formats like Go's RFC3339Nano, in UTC.</summary>
    public static string Format(DateTimeOffset value)
    {
        var utc = value.UtcDateTime;
        var seconds = utc.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        var ticks = utc.Ticks % TimeSpan.TicksPerSecond;
        if (ticks == 0)
        {
            return seconds + "Z";
        }

        // Nine digits of nanoseconds, trailing zeros trimmed.
        var fraction = (ticks * 100).ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0');
        return seconds + "." + fraction + "Z";
    }

    /// <summary>Parses RFC 3339 with more fractional digits than .NET's parser accepts.</summary>
    public static DateTimeOffset Parse(string text)
    {
        // Keep at most seven fractional digits (100 ns); .NET rejects more.
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0)
        {
            var end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }

            if (end - dot - 1 > 7)
            {
                text = string.Concat(text.AsSpan(0, dot + 8), text.AsSpan(end));
            }
        }

        if (DateTimeOffset.TryParseExact(
                text,
                ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ssK"],
                CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal,
                out var value))
        {
            return value;
        }

        throw new JsonException($"The event timestamp '{text}' is not RFC 3339.");
    }
}
