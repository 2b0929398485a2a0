namespace Sympozium.Bench.LocalCluster;

internal static class Concurrently
{
    /// <summary>Runs <paramref name="action"/> for 0..count-1 with at most <paramref name="concurrency"/> in flight.</summary>
    public static Task RunAsync(int count, int concurrency, Func<int, Task> action) =>
        Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = concurrency },
            async (i, _) => await action(i).ConfigureAwait(false));
}
