using System.Collections.Concurrent;
using System.Diagnostics;
using k8s.Models;
using Sympozium.Kubernetes.Client;

namespace Sympozium.Bench.LocalCluster;

/// <summary>
/// Pod start latency through the process kubelet: from just before the POST of a busybox pod to
/// the first watch event showing its container running (containerStatuses[].state.running),
/// first one pod at a time, then a batch created all at once. Each pod's command line (its sh)
/// carries a marker with the pod's name, and its environment (sh and sleep) the run's marker: /proc
/// then shows that every running pod has a live process and that none is left once the pods are
/// deleted.
/// </summary>
internal sealed class PodStartRun
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly ResourceClient<V1Pod> _client;
    private readonly string _ns;
    private readonly string _marker = "sympozium-bench-" + Guid.NewGuid().ToString("N")[..12];
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _running = new(StringComparer.Ordinal);

    private PodStartRun(ResourceClient<V1Pod> client, string ns)
    {
        _client = client;
        _ns = ns;
    }

    public sealed record Result(double FirstPodMs, Latencies OneAtATime, Latencies Batch, int Pods, int PodsWithProcess, TimeSpan DeleteTime, int ProcessesLeft);

    public static async Task<Result> MeasureAsync(ResourceClient<V1Pod> client, string ns, int pods, int concurrency)
    {
        var run = new PodStartRun(client, ns);
        var from = (await client.ListAsync(ns).ConfigureAwait(false)).ResourceVersion;
        using var stop = new CancellationTokenSource();
        var watching = Task.Run(() => run.WatchAsync(from, stop.Token));
        try
        {
            Report.Progress("  1 pod (the first: cold code paths)");
            var first = await run.StartAsync("first").ConfigureAwait(false);

            Report.Progress($"  {pods} pods one at a time");
            var single = new List<double>();
            for (var i = 0; i < pods; i++)
            {
                single.Add(await run.StartAsync($"single-{i:D3}").ConfigureAwait(false));
            }

            Report.Progress($"  {pods} pods at once ({concurrency} concurrent creates)");
            var batch = new ConcurrentBag<double>();
            await Concurrently.RunAsync(pods, concurrency, async i => batch.Add(await run.StartAsync($"batch-{i:D3}").ConfigureAwait(false))).ConfigureAwait(false);

            var withProcess = run.PodsWithProcess();
            Report.Progress($"  deleting {2 * pods + 1} pods");
            var deleteTime = await run.DeleteAllAsync(concurrency).ConfigureAwait(false);

            // A killed process can linger a moment as a zombie before its parent reaps it; give it a second.
            var left = CountProcesses(run._marker);
            for (var wait = 0; left > 0 && wait < 10; wait++)
            {
                await Task.Delay(100).ConfigureAwait(false);
                left = CountProcesses(run._marker);
            }

            return new Result(first, Latencies.Of(single), Latencies.Of(batch), run._running.Count, withProcess, deleteTime, left);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await watching.ConfigureAwait(false);
        }
    }

    /// <summary>Creates the pod and waits until the watch shows it running; returns the latency in ms.</summary>
    private async Task<double> StartAsync(string name)
    {
        var running = _running.GetOrAdd(name, _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously));
        var pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = name },
            Spec = new V1PodSpec
            {
                RestartPolicy = "Never",
                TerminationGracePeriodSeconds = 5,
                Containers =
                [
                    new V1Container
                    {
                        Name = "main",
                        Image = "busybox",
                        // Two commands, so sh stays as the parent and its command line carries the marker.
                        Command = ["sh", "-c", $"sleep 300; : {_marker}/{name}"],
                        Env = [new V1EnvVar { Name = "SYMPOZIUM_BENCH_RUN", Value = _marker }],
                    },
                ],
            },
        };
        var started = Stopwatch.GetTimestamp();
        await _client.CreateAsync(_ns, pod).ConfigureAwait(false);
        try
        {
            var at = await running.Task.WaitAsync(StartTimeout).ConfigureAwait(false);
            return Stopwatch.GetElapsedTime(started, at).TotalMilliseconds;
        }
        catch (TimeoutException)
        {
            var current = await _client.GetAsync(_ns, name).ConfigureAwait(false);
            throw new TimeoutException($"Pod {_ns}/{name} was not running after {StartTimeout.TotalSeconds:0} s; status: {k8s.KubernetesJson.Serialize(current?.Status)}");
        }
    }

    private async Task WatchAsync(string from, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var e in _client.WatchAsync(_ns, from, cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    var now = Stopwatch.GetTimestamp();
                    from = e.ResourceVersion ?? from;
                    if (e.Object is not { Metadata.Name: { } name, Status: { } status })
                    {
                        continue;
                    }

                    var waiter = _running.GetOrAdd(name, _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously));
                    if (status.ContainerStatuses?.Any(c => c.State?.Running is not null) == true)
                    {
                        waiter.TrySetResult(now);
                    }
                    else if (status.Phase is "Failed" or "Succeeded")
                    {
                        waiter.TrySetException(new InvalidOperationException($"Pod {_ns}/{name} ended ({status.Phase}) before it was seen running: {k8s.KubernetesJson.Serialize(status)}"));
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or KubernetesApiException)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                Report.Progress($"  pod watch: {e.Message}; resuming from {from}");
                await Task.Delay(100, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Deletes every pod of the namespace and waits until the kubelet has stopped them and they are gone.</summary>
    private async Task<TimeSpan> DeleteAllAsync(int concurrency)
    {
        var started = Stopwatch.GetTimestamp();
        var names = _running.Keys.ToList();
        await Concurrently.RunAsync(names.Count, concurrency, i => _client.DeleteAsync(_ns, names[i])).ConfigureAwait(false);
        while ((await _client.ListAsync(_ns).ConfigureAwait(false)).Items.Count is var left && left > 0)
        {
            if (Stopwatch.GetElapsedTime(started) > StartTimeout)
            {
                throw new TimeoutException($"{left} pods of {_ns} were still there {StartTimeout.TotalSeconds:0} s after their deletion");
            }

            await Task.Delay(50).ConfigureAwait(false);
        }

        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>How many of the created pods have a live sh process (found by the pod's marker in its command line).</summary>
    private int PodsWithProcess()
    {
        var prefix = _marker + "/";
        return LiveProcesses()
            .Select(p => p.CommandLine.IndexOf(prefix, StringComparison.Ordinal) is var at and >= 0 ? p.CommandLine[(at + prefix.Length)..].TrimEnd('\0') : null)
            .Where(name => name is not null && _running.ContainsKey(name))
            .Distinct(StringComparer.Ordinal)
            .Count();
    }

    /// <summary>Live processes whose command line or environment holds the run's marker.</summary>
    private static int CountProcesses(string marker) =>
        LiveProcesses().Count(p => p.CommandLine.Contains(marker, StringComparison.Ordinal) || p.Environment().Contains("SYMPOZIUM_BENCH_RUN=" + marker, StringComparison.Ordinal));

    /// <summary>Every live (not zombie) process but this one, with its command line and, read lazily, its environment.</summary>
    private static List<(string CommandLine, Func<string> Environment)> LiveProcesses()
    {
        var processes = new List<(string, Func<string>)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                if (File.ReadAllText(Path.Combine(dir, "stat")).Contains(") Z ", StringComparison.Ordinal))
                {
                    continue;
                }

                processes.Add((File.ReadAllText(Path.Combine(dir, "cmdline")), () => ReadOrEmpty(Path.Combine(dir, "environ"))));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile.
            }
        }

        return processes;
    }

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ""; // gone meanwhile, or another user's process
        }
    }
}
