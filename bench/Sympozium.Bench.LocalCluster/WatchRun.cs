using System.Diagnostics;
using System.Globalization;
using k8s.Models;
using Sympozium.Kubernetes.Client;

namespace Sympozium.Bench.LocalCluster;

/// <summary>
/// Watch-event delivery: N watchers on the ConfigMaps' namespace, started from the list's
/// resourceVersion (so none can miss an event by connecting late); each update merge-patches
/// <c>data.seq</c> of one object, and each watcher stamps the MODIFIED event carrying that seq.
/// Latency is from just before the PATCH is sent to the watcher's stamp, for every
/// watcher×update pair. A watch stream that ends is resumed from the last version it saw, as an
/// informer would; a pair never stamped is a lost event.
/// </summary>
internal sealed class WatchRun
{
    private static readonly TimeSpan PacedWait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan BurstWait = TimeSpan.FromSeconds(30);

    private readonly ResourceClient<V1ConfigMap> _client;
    private readonly string _ns;
    private readonly int _objects;
    private readonly long[] _sent;
    private readonly long[][] _received;
    private readonly int[] _remaining;
    private readonly TaskCompletionSource[] _delivered;
    private int _duplicates;
    private int _outOfOrder;
    private int _resumed;
    private int _failedWatchers;

    private WatchRun(ResourceClient<V1ConfigMap> client, string ns, int objects, int watchers, int updates)
    {
        _client = client;
        _ns = ns;
        _objects = objects;
        _sent = new long[updates];
        _received = [.. Enumerable.Range(0, watchers).Select(_ => new long[updates])];
        _remaining = [.. Enumerable.Repeat(watchers, updates)];
        _delivered = [.. Enumerable.Range(0, updates).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))];
    }

    public sealed record Result(
        Latencies Paced,
        Latencies PacedPatch,
        Latencies Burst,
        double BurstUpdatesPerSecond,
        long Pairs,
        long Lost,
        int Duplicates,
        int OutOfOrder,
        int Resumed,
        int FailedWatchers);

    public static async Task<Result> MeasureAsync(ResourceClient<V1ConfigMap> client, string ns, int objects, int watchers, int warmup, int paced, int burst, int concurrency)
    {
        var run = new WatchRun(client, ns, objects, watchers, warmup + paced + burst);
        var from = (await client.ListAsync(ns).ConfigureAwait(false)).ResourceVersion;
        using var stop = new CancellationTokenSource();
        var watching = Enumerable.Range(0, watchers).Select(w => Task.Run(() => run.WatchAsync(w, from, stop.Token))).ToArray();
        try
        {
            // Warm-up: every watch is connected and the code paths are jitted before anything counts.
            Report.Progress($"  {watchers} watchers connecting, {warmup} warm-up updates");
            _ = await run.PacedAsync(0, warmup).ConfigureAwait(false);

            Report.Progress($"  {paced} updates one at a time, each awaited at all {watchers} watchers");
            var pacedPatch = await run.PacedAsync(warmup, paced).ConfigureAwait(false);

            Report.Progress($"  {burst} updates from {concurrency} concurrent clients, not awaited");
            var first = warmup + paced;
            var started = Stopwatch.GetTimestamp();
            await Concurrently.RunAsync(burst, concurrency, i => run.UpdateAsync(first + i)).ConfigureAwait(false);
            var burstRate = burst / Stopwatch.GetElapsedTime(started).TotalSeconds;
            try
            {
                await Task.WhenAll(run._delivered[first..].Select(d => d.Task)).WaitAsync(BurstWait).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Report.Progress($"  not every event arrived within {BurstWait.TotalSeconds:0} s");
            }

            var lost = run._received.Sum(r => r.LongCount(t => t == 0));
            return new Result(run.DeliveryLatencies(warmup, paced), pacedPatch, run.DeliveryLatencies(first, burst), burstRate,
                (long)watchers * (paced + burst + warmup), lost, run._duplicates, run._outOfOrder, run._resumed, run._failedWatchers);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(watching).ConfigureAwait(false);
        }
    }

    /// <summary>Updates <paramref name="first"/>.. one at a time, each awaited at every watcher; returns the PATCH round trips.</summary>
    private async Task<Latencies> PacedAsync(int first, int count)
    {
        var patch = new List<double>(count);
        for (var seq = first; seq < first + count; seq++)
        {
            patch.Add(await UpdateAsync(seq).ConfigureAwait(false));
            try
            {
                await _delivered[seq].Task.WaitAsync(PacedWait).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Report.Progress($"  update {seq}: {_remaining[seq]} watchers had no event after {PacedWait.TotalSeconds:0} s");
            }
        }

        return Latencies.Of(patch);
    }

    /// <summary>Merge-patches data.seq of one object; returns the PATCH round trip in ms.</summary>
    private async Task<double> UpdateAsync(int seq)
    {
        var name = ObjectRun.Name(seq % _objects);
        var patch = $$$"""{"data":{"seq":"{{{seq.ToString(CultureInfo.InvariantCulture)}}}"}}""";
        var started = Stopwatch.GetTimestamp();
        Volatile.Write(ref _sent[seq], started);
        await _client.MergePatchAsync(_ns, name, patch).ConfigureAwait(false);
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    private async Task WatchAsync(int watcher, string from, CancellationToken cancellationToken)
    {
        var stamps = _received[watcher];
        long lastVersion = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var e in _client.WatchAsync(_ns, from, cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    var now = Stopwatch.GetTimestamp();
                    if (e.ResourceVersion is { } version)
                    {
                        from = version;
                    }

                    if (e.Type != "MODIFIED" || e.Object?.Data is not { } data || !data.TryGetValue("seq", out var text))
                    {
                        continue;
                    }

                    var rv = long.Parse(e.ResourceVersion!, CultureInfo.InvariantCulture);
                    if (rv <= lastVersion)
                    {
                        Interlocked.Increment(ref _outOfOrder);
                    }

                    lastVersion = Math.Max(lastVersion, rv);
                    var seq = int.Parse(text, CultureInfo.InvariantCulture);
                    if (stamps[seq] != 0)
                    {
                        Interlocked.Increment(ref _duplicates);
                        continue;
                    }

                    stamps[seq] = now;
                    if (Interlocked.Decrement(ref _remaining[seq]) == 0)
                    {
                        _delivered[seq].TrySetResult();
                    }
                }

                if (!cancellationToken.IsCancellationRequested)
                {
                    Interlocked.Increment(ref _resumed); // the server ended the stream: resume where it stopped
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (ResourceVersionExpiredException e)
            {
                Report.Progress($"  watcher {watcher}: {e.Message}; it stops (its missing events count as lost)");
                Interlocked.Increment(ref _failedWatchers);
                return;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or KubernetesApiException)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                Report.Progress($"  watcher {watcher}: {e.Message}; resuming from {from}");
                Interlocked.Increment(ref _resumed);
                await Task.Delay(100, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private Latencies DeliveryLatencies(int first, int count) => Latencies.Of(
        from stamps in _received
        from seq in Enumerable.Range(first, count)
        where stamps[seq] != 0
        select Stopwatch.GetElapsedTime(Volatile.Read(ref _sent[seq]), stamps[seq]).TotalMilliseconds);
}
