namespace Sympozium.Kubernetes.Reconcile;

/// <summary>
/// Converges one object, named by its key: read the desired state, read the actual state, act,
/// record status. Level-based: never assume which event woke it. The host never runs two
/// reconciles of one key at a time.
/// </summary>
public interface IReconciler<in TKey>
    where TKey : notnull
{
    /// <summary>
    /// Reconciles the key. Throw <see cref="TerminalReconcileException"/> for an error retrying
    /// cannot fix; any other exception is retried with backoff.
    /// </summary>
    /// <param name="key">The object's key.</param>
    /// <param name="cancellationToken">Cancelled when the host stops.</param>
    Task<ReconcileResult> ReconcileAsync(TKey key, CancellationToken cancellationToken);
}
