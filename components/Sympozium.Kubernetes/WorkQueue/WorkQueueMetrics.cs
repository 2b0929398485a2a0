namespace Sympozium.Kubernetes.WorkQueue;

/// <summary>A consistent snapshot of a work queue's counters.</summary>
/// <param name="Depth">Keys ready and waiting for a worker.</param>
/// <param name="Processing">Keys a worker holds right now.</param>
/// <param name="Delayed">Keys waiting for an <c>AddAfter</c> or retry delay to pass.</param>
/// <param name="Adds">Keys accepted since the queue was made (an add of a key already queued is not counted).</param>
/// <param name="Retries">Rate-limited requeues since the queue was made.</param>
public readonly record struct WorkQueueMetrics(int Depth, int Processing, int Delayed, long Adds, long Retries);
