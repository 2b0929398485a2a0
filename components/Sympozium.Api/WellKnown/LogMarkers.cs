namespace Sympozium.Api.WellKnown;

/// <summary>Markers the agent prints on stdout around its structured result and memory update.</summary>
public static class LogMarkers
{
    /// <summary>What every marker starts with.</summary>
    public const string Prefix = "__SYMPOZIUM_";

    public const string ResultStart = "__SYMPOZIUM_RESULT__";
    public const string ResultEnd = "__SYMPOZIUM_END__";
    public const string MemoryStart = "__SYMPOZIUM_MEMORY__";
    public const string MemoryEnd = "__SYMPOZIUM_MEMORY_END__";

    /// <summary>The placeholder a fresh memory ConfigMap holds.</summary>
    public const string EmptyMemory = "# Agent Memory\n\nNo memories recorded yet.";

    /// <summary>The stdout line for a result: <c>\n__SYMPOZIUM_RESULT__{json}__SYMPOZIUM_END__\n</c>.</summary>
    public static string FormatResult(string compactJson) => "\n" + ResultStart + compactJson + ResultEnd + "\n";

    /// <summary>The stdout line for a memory update.</summary>
    public static string FormatMemory(string content) => "\n" + MemoryStart + content + MemoryEnd + "\n";

    /// <summary>The payload of the last complete result marker in <paramref name="log"/>, or null.</summary>
    public static string? LastResult(string log) => LastBlock(log, ResultStart, ResultEnd);

    /// <summary>The content of the last complete memory marker in <paramref name="log"/>, trimmed, or null.</summary>
    public static string? LastMemory(string log) => LastBlock(log, MemoryStart, MemoryEnd)?.Trim() is { Length: > 0 } m ? m : null;

    /// <summary>The payloads of every complete result marker in <paramref name="log"/>, last first.</summary>
    public static IEnumerable<string> ResultsLastFirst(string log) => BlocksLastFirst(log, ResultStart, ResultEnd);

    /// <summary>The contents (untrimmed) of every complete memory marker in <paramref name="log"/>, last first.</summary>
    public static IEnumerable<string> MemoriesLastFirst(string log) => BlocksLastFirst(log, MemoryStart, MemoryEnd);

    private static IEnumerable<string> BlocksLastFirst(string log, string start, string end)
    {
        ArgumentNullException.ThrowIfNull(log);
        var searchFrom = log.Length;
        while (searchFrom > 0)
        {
            var s = log.LastIndexOf(start, searchFrom - 1, StringComparison.Ordinal);
            if (s < 0)
            {
                yield break;
            }

            var contentStart = s + start.Length;
            var e = log.IndexOf(end, contentStart, StringComparison.Ordinal);
            if (e >= 0)
            {
                yield return log[contentStart..e];
            }

            searchFrom = s;
        }
    }

    private static string? LastBlock(string log, string start, string end)
    {
        ArgumentNullException.ThrowIfNull(log);
        var searchFrom = log.Length;
        while (searchFrom > 0)
        {
            var s = log.LastIndexOf(start, searchFrom - 1, StringComparison.Ordinal);
            if (s < 0)
            {
                return null;
            }

            var contentStart = s + start.Length;
            var e = log.IndexOf(end, contentStart, StringComparison.Ordinal);
            if (e >= 0)
            {
                return log[contentStart..e];
            }

            // An unterminated marker (a truncated log): look for an earlier complete one.
            searchFrom = s;
        }

        return null;
    }
}
