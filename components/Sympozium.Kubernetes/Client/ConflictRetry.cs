namespace Sympozium.Kubernetes.Client;

/// <summary>Re-runs a read-modify-write when the API server answers 409 Conflict (like client-go's RetryOnConflict).</summary>
public static class ConflictRetry
{
    /// <summary>Runs <paramref name="attempt"/> up to <paramref name="maxAttempts"/> times while it fails with a conflict.</summary>
    public static async Task<TResult> RunAsync<TResult>(Func<CancellationToken, Task<TResult>> attempt, int maxAttempts = 5, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        for (var i = 1; ; i++)
        {
            try
            {
                return await attempt(cancellationToken).ConfigureAwait(false);
            }
            catch (KubernetesApiException e) when (e.IsConflict && i < maxAttempts)
            {
                // Someone wrote in between: read again and redo the change after a short pause.
                await Task.Delay(TimeSpan.FromMilliseconds(10 * i * i), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
