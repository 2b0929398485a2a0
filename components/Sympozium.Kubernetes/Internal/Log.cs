using Microsoft.Extensions.Logging;

namespace Sympozium.Kubernetes.Internal;

/// <summary>Every log message of the controller runtime, with its event id (3xxx), in one place.</summary>
internal static partial class Log
{
    [LoggerMessage(3001, LogLevel.Information, "Reconciler {Reconciler} started with {Workers} workers")]
    public static partial void HostStarted(ILogger logger, string reconciler, int workers);

    [LoggerMessage(3002, LogLevel.Information, "Reconciler {Reconciler} stopped")]
    public static partial void HostStopped(ILogger logger, string reconciler);

    [LoggerMessage(3010, LogLevel.Debug, "Reconciled {Key} ({Reconciler}): {Result}")]
    public static partial void Reconciled(ILogger logger, string reconciler, string key, string result);

    [LoggerMessage(3011, LogLevel.Debug, "Reconciled {Key} ({Reconciler}): requeue with backoff in {Delay}")]
    public static partial void RequeuedWithBackoff(ILogger logger, string reconciler, string key, TimeSpan delay);

    [LoggerMessage(3012, LogLevel.Warning, "Reconcile of {Key} ({Reconciler}) failed (retry {Retry}); retrying in {Delay}: {Reason}")]
    public static partial void ReconcileFailed(ILogger logger, Exception exception, string reconciler, string key, int retry, TimeSpan delay, string reason);

    [LoggerMessage(3013, LogLevel.Error, "Reconcile of {Key} ({Reconciler}) failed terminally and is not retried: {Reason}")]
    public static partial void ReconcileFailedTerminally(ILogger logger, Exception exception, string reconciler, string key, string reason);

    [LoggerMessage(3014, LogLevel.Debug, "Reconcile of {Key} ({Reconciler}) cancelled: the reconciler is stopping")]
    public static partial void ReconcileCancelled(ILogger logger, string reconciler, string key);
}
