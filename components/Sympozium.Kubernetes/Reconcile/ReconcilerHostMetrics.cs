namespace Sympozium.Kubernetes.Reconcile;

/// <summary>Counters of a <see cref="ReconcilerHost{TKey}"/> since it was made.</summary>
/// <param name="Reconciles">Reconciles finished, whatever their outcome (cancelled ones excluded).</param>
/// <param name="Errors">Reconciles that threw and were requeued with backoff.</param>
/// <param name="TerminalErrors">Reconciles that threw <see cref="TerminalReconcileException"/>.</param>
public readonly record struct ReconcilerHostMetrics(long Reconciles, long Errors, long TerminalErrors);
