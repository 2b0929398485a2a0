using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sympozium.EventBus.Serialization;

/// <summary>Source-generated JSON metadata for the bus; the only JSON path of this library.</summary>
[JsonSerializable(typeof(EventEnvelope))]
internal sealed partial class EventBusJsonContext : JsonSerializerContext
{
    /// <summary>
    /// The context used on the wire. Non-ASCII text stays UTF-8 (as Go writes it) instead of
    /// <c>\uXXXX</c> escapes, which keeps chat text in any language readable and small.
    /// </summary>
    public static EventBusJsonContext Wire { get; } = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
