namespace Sympozium.EventBus.Internal;

/// <summary>
/// Runs one call to the NATS client with a hard time limit. The client's request timeout does not
/// cover everything: while it reconnects, a request waits for the connection inside the client
/// and observes neither that timeout nor the caller's token (a publish that had to put the stream
/// back while NATS was stopped never returned). The limit here holds whether or not the client
/// cooperates; an abandoned call is observed so its late failure is not reported as unobserved.
/// </summary>
internal static class BoundedCall
{
    /// <exception cref="TimeoutException">No answer within <paramref name="limit"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<T> RunAsync<T>(Func<CancellationToken, ValueTask<T>> call, TimeSpan limit, string what, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        var task = call(timeout.Token).AsTask();
        try
        {
            return await task.WaitAsync(limit, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException && !cancellationToken.IsCancellationRequested && !task.IsCompletedSuccessfully)
        {
            Observe(task);
            throw new TimeoutException($"No answer to {what} within {limit.TotalSeconds:0.#} s.", e);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Observe(task);
            throw;
        }
    }

    /// <inheritdoc cref="RunAsync{T}"/>
    public static Task RunAsync(Func<CancellationToken, ValueTask> call, TimeSpan limit, string what, CancellationToken cancellationToken) =>
        RunAsync(
            async token =>
            {
                await call(token).ConfigureAwait(false);
                return true;
            },
            limit,
            what,
            cancellationToken);

    /// <summary>Waits up to <paramref name="limit"/> for a task the caller will not wait for longer.</summary>
    /// <returns>Whether it finished in time.</returns>
    public static async Task<bool> WaitAtMostAsync(Task task, TimeSpan limit)
    {
        if (await Task.WhenAny(task, Task.Delay(limit)).ConfigureAwait(false) == task)
        {
            return true;
        }

        Observe(task);
        return false;
    }

    private static void Observe(Task task) =>
        _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
}
