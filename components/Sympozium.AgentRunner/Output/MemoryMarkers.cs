using Sympozium.Api.WellKnown;

namespace Sympozium.AgentRunner.Output;

/// <summary>Finds and strips the memory-update block a model writes into its answer.</summary>
public static class MemoryMarkers
{
    /// <summary>The content of the last complete block (trimmed), or null.</summary>
    public static string? Extract(string response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var start = response.LastIndexOf(LogMarkers.MemoryStart, StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        var contentStart = start + LogMarkers.MemoryStart.Length;
        var end = response.IndexOf(LogMarkers.MemoryEnd, contentStart, StringComparison.Ordinal);
        if (end < 0)
        {
            return null;
        }

        var content = response[contentStart..end].Trim();
        return content.Length > 0 ? content : null;
    }

    /// <summary>Removes every memory and result block; an unclosed start marker cuts to the end. Trims.</summary>
    public static string Strip(string response)
    {
        ArgumentNullException.ThrowIfNull(response);
        foreach (var (start, end) in new[] { (LogMarkers.MemoryStart, LogMarkers.MemoryEnd), (LogMarkers.ResultStart, LogMarkers.ResultEnd) })
        {
            while (true)
            {
                var s = response.IndexOf(start, StringComparison.Ordinal);
                if (s < 0)
                {
                    break;
                }

                var e = response.IndexOf(end, s + start.Length, StringComparison.Ordinal);
                response = e < 0 ? response[..s] : response[..s] + response[(e + end.Length)..];
            }
        }

        return response.Trim();
    }
}
