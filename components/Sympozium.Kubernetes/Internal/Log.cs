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

    [LoggerMessage(3020, LogLevel.Information, "Informer for {Resource}: version {ResourceVersion} expired, relisting: {Reason}")]
    public static partial void InformerRelist(ILogger logger, string resource, string resourceVersion, string reason);

    [LoggerMessage(3021, LogLevel.Warning, "Informer for {Resource}: API error, retrying in {Delay}")]
    public static partial void InformerRetry(ILogger logger, string resource, TimeSpan delay, Exception exception);

    [LoggerMessage(3030, LogLevel.Information, "Leader election {Lease}: {Identity} became the leader")]
    public static partial void BecameLeader(ILogger logger, string lease, string identity);

    [LoggerMessage(3031, LogLevel.Warning, "Leader election {Lease}: {Identity} lost the lease: {Reason}")]
    public static partial void LostLeadership(ILogger logger, string lease, string identity, string reason);

    [LoggerMessage(3032, LogLevel.Information, "Leader election {Lease}: {Identity} released the lease")]
    public static partial void ReleasedLease(ILogger logger, string lease, string identity);

    [LoggerMessage(3033, LogLevel.Debug, "Leader election {Lease}: {Identity} could not acquire or renew: {Reason}")]
    public static partial void LeaseAttemptFailed(ILogger logger, string lease, string identity, string reason);
}
