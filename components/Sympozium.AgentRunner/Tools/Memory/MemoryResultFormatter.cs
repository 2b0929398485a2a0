using System.Text;
using System.Text.Json;

namespace Sympozium.AgentRunner.Tools.Memory;

/// <summary>The memory server's <c>content</c> as the model reads it (upstream formatMemoryContent).</summary>
internal static class MemoryResultFormatter
{
    public const string EntrySeparator = "\n---\n";

    /// <summary>
    /// A non-empty array of entries becomes <c>**Memory #id** (created_at) [tags]\ncontent\n</c>
    /// blocks separated by <c>\n---\n</c>; anything else (<c>[]</c>, the store answer) is returned
    /// as the server wrote it; no content at all is <c>(no results)</c>.
    /// </summary>
    public static string Format(JsonElement? content)
    {
        if (content is not { } value || value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            return "(no results)";
        }

        if (value.ValueKind != JsonValueKind.Array
            || value.GetArrayLength() == 0
            || value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.Object))
        {
            return value.GetRawText();
        }

        var text = new StringBuilder();
        var first = true;
        foreach (var entry in value.EnumerateArray())
        {
            if (!first)
            {
                text.Append(EntrySeparator);
            }

            first = false;
            if (entry.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number && id.TryGetDouble(out var n) && n > 0)
            {
                text.Append($"**Memory #{(long)n}**");
            }

            if (String(entry, "created_at") is { Length: > 0 } createdAt)
            {
                text.Append($" ({createdAt})");
            }

            if (entry.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Array && tags.GetArrayLength() > 0)
            {
                var names = tags.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString());
                text.Append($" [{string.Join(", ", names)}]");
            }

            text.Append('\n').Append(String(entry, "content")).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>
    /// Cuts auto-retrieved context to <paramref name="maxChars"/>, at the last entry boundary
    /// when there is one, so the prompt never holds half an entry.
    /// </summary>
    public static string CutAtEntryBoundary(string text, int maxChars)
    {
        if (text.Length <= maxChars)
        {
            return text;
        }

        var cut = text[..maxChars];
        var boundary = cut.LastIndexOf(EntrySeparator, StringComparison.Ordinal);
        return boundary > 0 ? cut[..boundary] : cut;
    }

    private static string? String(JsonElement entry, string name) =>
        entry.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
