using System.Text;
using System.Text.Json;
using Sympozium.Api.Messages;
using Sympozium.Api.WellKnown;

namespace Sympozium.AgentRunner.Output;

/// <summary>
/// Composes what the runner leaves in its termination message file and the markers it prints, so
/// that the controller can tell the runner's own output from text it merely logged
/// (docs/design/agent-runner.md#result-and-markers).
/// </summary>
public static class TerminationMessage
{
    /// <summary>
    /// The compact JSON of <paramref name="result"/> for the result marker. Marker text inside a
    /// string value (a model that quotes a marker) is written with an escaped first underscore, so
    /// the payload holds no marker and the line cannot be cut short; JSON readers see the same text.
    /// </summary>
    public static string MarkerPayload(AgentResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return EscapeMarkers(JsonSerializer.Serialize(result, MessageJsonContext.Default.AgentResult));
    }

    /// <summary>
    /// The termination message: the status and both digests always; the result and then the memory
    /// update inline while the whole stays within <paramref name="maxBytes"/> (the container's share
    /// of the pod's termination-message budget, at most <see cref="AgentTerminationMessage.MaxBytes"/>).
    /// </summary>
    public static string Compose(AgentResult result, string markerPayload, string? memoryUpdate, int maxBytes = AgentTerminationMessage.MaxBytes)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(markerPayload);
        var full = new AgentTerminationMessage
        {
            Status = result.Status == AgentResult.Failure ? AgentResult.Failure : AgentResult.Success,
            Result = result,
            ResultSha256 = AgentTerminationMessage.Digest(markerPayload),
            Memory = memoryUpdate,
            MemorySha256 = memoryUpdate is null ? null : AgentTerminationMessage.Digest(memoryUpdate),
        };

        // Largest first: everything, then without the memory, then digests only.
        foreach (var candidate in new[] { full, full with { Memory = null }, full with { Memory = null, Result = null } })
        {
            var json = JsonSerializer.Serialize(candidate, MessageJsonContext.Default.AgentTerminationMessage);
            if (Encoding.UTF8.GetByteCount(json) <= maxBytes)
            {
                return json;
            }
        }

        // Digests only (about 200 bytes) always fit the smallest budget the options allow.
        throw new InvalidOperationException($"a termination message with digests only does not fit in {maxBytes} bytes");
    }

    /// <summary>Writes <paramref name="message"/> over the file the kubelet created (in place: it is a bind mount, so no rename).</summary>
    public static void Write(string path, string message)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(message);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite);
        stream.Write(Encoding.UTF8.GetBytes(message));
        stream.Flush(flushToDisk: true);
    }

    private static string EscapeMarkers(string json) =>
        json.Replace(LogMarkers.Prefix, "\\u005F" + LogMarkers.Prefix[1..], StringComparison.Ordinal);
}
