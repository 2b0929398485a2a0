namespace Sympozium.Kubernetes.WorkQueue;

/// <summary>
/// A key handed to one worker by <see cref="RateLimitedWorkQueue{TKey}.GetAsync"/>. The worker
/// owns the key until it calls <see cref="RateLimitedWorkQueue{TKey}.Done"/>.
/// </summary>
public readonly record struct WorkQueueItem<TKey>(TKey Key)
    where TKey : notnull;
