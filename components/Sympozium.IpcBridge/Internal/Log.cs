using Microsoft.Extensions.Logging;

namespace Sympozium.IpcBridge.Internal;

/// <summary>Every log message of the bridge, with its event id (2xxx), in one place.</summary>
internal static partial class Log
{
    [LoggerMessage(2001, LogLevel.Information, "ipc-bridge starting: run {RunId}, instance {Instance}, ipc {IpcDirectory}, bus {Url}, gate mode {SuppressCompletion}, session {Session}, {Published} file(s) published before")]
    public static partial void Starting(ILogger logger, string runId, string instance, string ipcDirectory, string url, bool suppressCompletion, string session, int published);

    [LoggerMessage(2002, LogLevel.Information, "ipc-bridge ready: watching {IpcDirectory}, subscribed to {FollowupSubject} and {ExecResultSubject}")]
    public static partial void Ready(ILogger logger, string ipcDirectory, string followupSubject, string execResultSubject);

    [LoggerMessage(2003, LogLevel.Information, "Agent done file seen; publishing what is pending")]
    public static partial void DoneSeen(ILogger logger);

    [LoggerMessage(2004, LogLevel.Information, "Everything published; ipc-bridge exits {ExitCode}")]
    public static partial void Finished(ILogger logger, int exitCode);

    [LoggerMessage(2005, LogLevel.Information, "Stop requested (SIGTERM); publishing what is pending for up to {Timeout}")]
    public static partial void Stopping(ILogger logger, TimeSpan timeout);

    [LoggerMessage(2006, LogLevel.Error, "ipc-bridge stops with {Pending} file(s) unpublished; exit code {ExitCode}")]
    public static partial void StoppedWithPending(ILogger logger, int pending, int exitCode);

    [LoggerMessage(2007, LogLevel.Error, "Event bus unavailable: {Reason}")]
    public static partial void BusUnavailable(ILogger logger, string reason);

    [LoggerMessage(2008, LogLevel.Warning, "Not yet subscribed to {Subject} after {Timeout}; still trying in the background")]
    public static partial void SubscriptionSlow(ILogger logger, string subject, TimeSpan timeout);

    [LoggerMessage(2009, LogLevel.Critical, "ipc-bridge failed")]
    public static partial void Crashed(ILogger logger, Exception exception);

    [LoggerMessage(2010, LogLevel.Warning, "No {ResultFile} within {Grace} after the done file; finishing without it")]
    public static partial void NoResult(ILogger logger, string resultFile, TimeSpan grace);

    [LoggerMessage(2020, LogLevel.Information, "Published {File} to {Subject} (sequence {Sequence}, duplicate {Duplicate})")]
    public static partial void Published(ILogger logger, string file, string subject, ulong sequence, bool duplicate);

    [LoggerMessage(2021, LogLevel.Information, "Gate mode: {File} not published to {Topic}; the controller publishes once the gate decides")]
    public static partial void SuppressedByGate(ILogger logger, string file, string topic);

    [LoggerMessage(2022, LogLevel.Error, "{File} ({Bytes} bytes) is not valid JSON; it is not published to {Topic}. Writers must write a temp file and rename it into place")]
    public static partial void NotJson(ILogger logger, string file, int bytes, string topic);

    [LoggerMessage(2023, LogLevel.Warning, "Cannot read {File}: {Reason}; retrying on the next scan")]
    public static partial void ReadFailed(ILogger logger, string file, string reason);

    [LoggerMessage(2024, LogLevel.Warning, "Publish of {File} failed (attempt {Attempt}): {Reason}; retrying in {Delay}")]
    public static partial void PublishRetrying(ILogger logger, string file, int attempt, string reason, TimeSpan delay);

    [LoggerMessage(2025, LogLevel.Error, "{File} cannot be published to {Subject}: {Reason}; skipped")]
    public static partial void PublishRejected(ILogger logger, string file, string subject, string reason);

    [LoggerMessage(2030, LogLevel.Information, "Follow-up (sequence {Sequence}) written to {File}")]
    public static partial void FollowupWritten(ILogger logger, string file, ulong sequence);

    [LoggerMessage(2031, LogLevel.Information, "Tool result (sequence {Sequence}) written to {File}")]
    public static partial void ExecResultWritten(ILogger logger, string file, ulong sequence);

    [LoggerMessage(2032, LogLevel.Information, "{File} exists already; tool result not written again")]
    public static partial void ExecResultExists(ILogger logger, string file);

    [LoggerMessage(2033, LogLevel.Error, "Tool result (sequence {Sequence}) has no usable id ('{Id}'): it must be a string naming one file; dropped")]
    public static partial void ExecResultRejected(ILogger logger, ulong sequence, string id);
}
