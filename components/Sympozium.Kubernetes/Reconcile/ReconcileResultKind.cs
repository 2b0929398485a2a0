namespace Sympozium.Kubernetes.Reconcile;

/// <summary>What the reconciler host does with a key after a reconcile returned.</summary>
public enum ReconcileResultKind
{
    /// <summary>Converged: forget the key's backoff; it runs again on the next event.</summary>
    Done,

    /// <summary>Run again after a fixed delay (a timeout to check, a poll), backoff reset.</summary>
    RequeueAfter,

    /// <summary>Run again after the key's exponential backoff (waiting for something to appear).</summary>
    Requeue,
}
