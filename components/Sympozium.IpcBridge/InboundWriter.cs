using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sympozium.Api.Messages;
using Sympozium.Api.WellKnown;
using Sympozium.EventBus;
using Sympozium.IpcBridge.Internal;

namespace Sympozium.IpcBridge;

/// <summary>
/// Writes events addressed to this run into /ipc, atomically (temp file + rename), so the agent
/// never reads half a file. Both writes are idempotent: a redelivered event lands on the same
/// file name and is not written twice.
/// </summary>
internal sealed class InboundWriter(IpcBridgeOptions options, ILogger logger)
{
    private const int MaxIdLength = 200;

    private readonly string _inputDirectory = Path.Combine(options.IpcDirectory, IpcRoute.InputDir);
    private readonly string _toolsDirectory = Path.Combine(options.IpcDirectory, IpcRoute.ToolsDir);

    /// <summary>
    /// <c>agent.followup.&lt;run&gt;</c> → <c>input/followup-&lt;nanos&gt;.json</c> holding the event's
    /// data. The nanoseconds are the event's own timestamp, so a redelivery finds its file.
    /// </summary>
    public async ValueTask WriteFollowupAsync(ReceivedEvent received, CancellationToken cancellationToken)
    {
        var content = DataBytes(received.Envelope);
        var nanos = (received.Envelope.Timestamp.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
        for (var attempt = 0; attempt < 1000; attempt++, nanos++)
        {
            var path = Path.Combine(_inputDirectory, IpcPaths.FollowupPrefix + nanos + ".json");
            if (await AtomicFile.WriteAsync(path, content, overwrite: false, cancellationToken).ConfigureAwait(false))
            {
                Log.FollowupWritten(logger, Path.GetRelativePath(options.IpcDirectory, path), received.StreamSequence);
                return;
            }

            if (SameContent(path, content))
            {
                return; // Written on an earlier delivery.
            }

            // Another follow-up with the same timestamp: take the next nanosecond.
        }
    }

    /// <summary>
    /// <c>tool.exec.result.&lt;run&gt;</c> → <c>tools/exec-result-&lt;id&gt;.json</c>, named by the result's
    /// <c>id</c> so the agent waiting for that request finds it (upstream wrote a timestamped name
    /// nobody read). The first result for an id wins. Data the agent could not read as an
    /// <see cref="ExecResult"/> has no id and is dropped.
    /// </summary>
    public async ValueTask WriteExecResultAsync(ReceivedEvent received, CancellationToken cancellationToken)
    {
        var id = ReadExecResult(received.Envelope.Data)?.Id;
        if (!IsSafeId(id))
        {
            // No retry can fix the payload: drop it (acked) with a reason.
            Log.ExecResultRejected(logger, received.StreamSequence, id ?? "(none)");
            return;
        }

        var path = Path.Combine(_toolsDirectory, IpcPaths.ExecResultPrefix + id + ".json");
        if (await AtomicFile.WriteAsync(path, DataBytes(received.Envelope), overwrite: false, cancellationToken).ConfigureAwait(false))
        {
            Log.ExecResultWritten(logger, Path.GetRelativePath(options.IpcDirectory, path), received.StreamSequence);
        }
        else
        {
            Log.ExecResultExists(logger, Path.GetRelativePath(options.IpcDirectory, path));
        }
    }

    /// <summary>
    /// An id that names exactly one file in tools/: no separators, no <c>..</c>, not hidden
    /// (the id comes from the bus and must not steer the write elsewhere).
    /// </summary>
    internal static bool IsSafeId(string? id) =>
        !string.IsNullOrEmpty(id) &&
        id.Length <= MaxIdLength &&
        id[0] != '.' &&
        !id.Contains("..", StringComparison.Ordinal) &&
        id.All(c => c is not ('/' or '\\') && !char.IsControl(c) && !char.IsWhiteSpace(c));

    /// <summary>The data as the <see cref="ExecResult"/> the agent will read, or null when it is not one.</summary>
    private static ExecResult? ReadExecResult(JsonElement data)
    {
        if (data.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        try
        {
            return data.Deserialize(MessageJsonContext.Default.ExecResult);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static byte[] DataBytes(EventEnvelope envelope) =>
        envelope.Data.ValueKind == JsonValueKind.Undefined ? "null"u8.ToArray() : Encoding.UTF8.GetBytes(envelope.Data.GetRawText());

    private static bool SameContent(string path, byte[] content)
    {
        try
        {
            return File.ReadAllBytes(path).AsSpan().SequenceEqual(content);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
