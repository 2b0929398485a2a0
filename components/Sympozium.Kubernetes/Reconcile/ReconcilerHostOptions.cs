namespace Sympozium.Kubernetes.Reconcile;

/// <summary>How a <see cref="ReconcilerHost{TKey}"/> runs. Change with <c>with</c>.</summary>
public sealed record ReconcilerHostOptions
{
    public static ReconcilerHostOptions Default { get; } = new();

    /// <summary>Name in every log line, e.g. "agentrun" (default: "reconciler").</summary>
    public string Name { get; init; } = "reconciler";

    /// <summary>Keys reconciled in parallel; never two of the same key (default: 1).</summary>
    public int Workers { get; init; } = 1;
}
