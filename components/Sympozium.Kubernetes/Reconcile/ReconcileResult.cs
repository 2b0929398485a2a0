namespace Sympozium.Kubernetes.Reconcile;

/// <summary>
/// The outcome of one reconcile, as controller-runtime's <c>reconcile.Result</c>. The default
/// value is <see cref="Done"/>. Errors are exceptions: a <see cref="TerminalReconcileException"/>
/// is logged and not retried, any other is retried with backoff.
/// </summary>
public readonly record struct ReconcileResult
{
    private ReconcileResult(ReconcileResultKind kind, TimeSpan delay)
    {
        Kind = kind;
        Delay = delay;
    }

    /// <summary>Converged; nothing to do until the next event.</summary>
    public static ReconcileResult Done => default;

    /// <summary>Run again after the key's exponential backoff, without logging an error.</summary>
    public static ReconcileResult Requeue => new(ReconcileResultKind.Requeue, TimeSpan.Zero);

    public ReconcileResultKind Kind { get; }

    /// <summary>The delay of <see cref="ReconcileResultKind.RequeueAfter"/>; zero otherwise.</summary>
    public TimeSpan Delay { get; }

    /// <summary>Run again once <paramref name="delay"/> has passed (earlier if an event arrives).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The delay is not positive: use <see cref="Requeue"/>.</exception>
    public static ReconcileResult RequeueAfter(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(delay, TimeSpan.Zero);
        return new ReconcileResult(ReconcileResultKind.RequeueAfter, delay);
    }

    public override string ToString() => Kind switch
    {
        ReconcileResultKind.RequeueAfter => $"RequeueAfter({Delay})",
        _ => Kind.ToString(),
    };
}
