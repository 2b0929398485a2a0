using System.Text.Json.Nodes;

namespace Sympozium.Testing.Channels;

/// <summary>A Web API call a fake platform received: method name, query, headers and JSON body.</summary>
public sealed record RecordedCall(
    string Method,
    string Query,
    IReadOnlyDictionary<string, string> Headers,
    JsonNode? Body,
    DateTimeOffset ReceivedAt)
{
    /// <summary>A header value (case-insensitive name) or null.</summary>
    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var value) ? value : null;

    /// <summary>A string (or number, as text) field of the JSON body, or null.</summary>
    public string? Field(string name) => Body?[name] is JsonValue value ? value.ToString() : null;
}
