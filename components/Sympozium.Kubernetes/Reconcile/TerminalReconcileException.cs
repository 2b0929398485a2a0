namespace Sympozium.Kubernetes.Reconcile;

/// <summary>
/// An error that retrying cannot fix (invalid spec, a rule the API rejects): the host logs it,
/// forgets the key's backoff and does not requeue it. The next change to the object wakes the
/// reconciler again. Controller-runtime's <c>reconcile.TerminalError</c>.
/// </summary>
public sealed class TerminalReconcileException : Exception
{
    public TerminalReconcileException()
        : base("The reconcile failed terminally")
    {
    }

    public TerminalReconcileException(string message)
        : base(message)
    {
    }

    public TerminalReconcileException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
