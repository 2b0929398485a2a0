using System.Text.Json.Nodes;

namespace Sympozium.Testing.Llm;

/// <summary>Which wire format a request used.</summary>
public enum LlmWireFormat
{
    OpenAi,
    AzureOpenAi,
    Anthropic,
    Ollama,
}

/// <summary>A request the scripted server received, for assertions on shape and headers; <c>ReceivedTimestamp</c> is a <see cref="System.Diagnostics.Stopwatch"/> timestamp.</summary>
public sealed record RecordedRequest(
    LlmWireFormat Format,
    string Method,
    string Path,
    string Query,
    IReadOnlyDictionary<string, string> Headers,
    JsonNode? Body,
    DateTimeOffset ReceivedAt,
    long ReceivedTimestamp = 0)
{
    /// <summary>A header value (case-insensitive name) or null.</summary>
    public string? Header(string name) => Headers.TryGetValue(name.ToLowerInvariant(), out var value) ? value : null;
}
