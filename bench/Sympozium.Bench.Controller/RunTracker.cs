using System.Collections.Concurrent;
using System.Diagnostics;
using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;
using Sympozium.Kubernetes.Client;

namespace Sympozium.Bench.Controller;

/// <summary>
/// Watches the benchmark's AgentRuns, their Jobs and their pods and notes when each was first seen
/// in each state of interest (Stopwatch timestamps): Job exists, pod started (a container running
/// or already terminated), run Succeeded or Failed. A watch that breaks is resumed from a fresh
/// list, so nothing is missed (a state seen only in the list is noted when listed).
/// </summary>
internal sealed class RunTracker : IAsyncDisposable
{
    private readonly HashSet<string> _names;
    private readonly ConcurrentDictionary<string, long> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _podsStarted = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _succeeded = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _failed = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource<long> _allJobs = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<long> _allFinished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _watches = [];
    private int _resumes;

    private RunTracker(IEnumerable<string> names) => _names = new HashSet<string>(names, StringComparer.Ordinal);

    /// <summary>Completes with the timestamp at which the last of the Jobs was first seen.</summary>
    public Task<long> AllJobs => _allJobs.Task;

    /// <summary>Completes with the timestamp at which the last run was seen Succeeded or Failed.</summary>
    public Task<long> AllFinished => _allFinished.Task;

    public int JobCount => _jobs.Count;

    public int PodsStartedCount => _podsStarted.Count;

    public int SucceededCount => _succeeded.Count;

    public IReadOnlyDictionary<string, string> Failed => _failed;

    /// <summary>Watch streams that broke and were resumed from a fresh list.</summary>
    public int Resumes => Volatile.Read(ref _resumes);

    /// <summary>When the last pod was first seen started (null before any).</summary>
    public long? LastPodStarted => _podsStarted.IsEmpty ? null : _podsStarted.Values.Max();

    /// <summary>When the first Job was seen (null before any).</summary>
    public long? FirstJob => _jobs.IsEmpty ? null : _jobs.Values.Min();

    /// <summary>Starts watching <paramref name="ns"/> for the runs named <paramref name="names"/>; returns once every watch has listed.</summary>
    public static async Task<RunTracker> StartAsync(BenchCluster cluster, string ns, IEnumerable<string> names)
    {
        var tracker = new RunTracker(names);
        var listed = new[]
        {
            tracker.Watch(cluster.Runs, ns, null, tracker.OnRun),
            tracker.Watch(cluster.Jobs, ns, $"{Labels.AppManagedBy}={Labels.Values.SympoziumController}", tracker.OnJob),
            tracker.Watch(cluster.Pods, ns, $"{Labels.Component}={Labels.Components.AgentRun}", tracker.OnPod),
        };
        await Task.WhenAll(listed).ConfigureAwait(false);
        return tracker;
    }

    private void OnRun(AgentRun run)
    {
        if (run.Metadata.Name is not { } name || !_names.Contains(name))
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        switch (run.Status?.Phase)
        {
            case "Succeeded":
                _succeeded.TryAdd(name, now);
                break;
            case "Failed":
                _failed.TryAdd(name, run.Status.Error ?? "(no error message)");
                break;
        }

        if (_succeeded.Count + _failed.Count >= _names.Count)
        {
            _allFinished.TrySetResult(now);
        }
    }

    private void OnJob(V1Job job)
    {
        if (RunOf(job.Metadata) is not { } name)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        if (_jobs.TryAdd(name, now) && _jobs.Count >= _names.Count)
        {
            _allJobs.TrySetResult(now);
        }
    }

    private void OnPod(V1Pod pod)
    {
        if (RunOf(pod.Metadata) is not { } name)
        {
            return;
        }

        var status = pod.Status;
        var started = status?.Phase is "Running" or "Succeeded" or "Failed"
            || status?.ContainerStatuses?.Any(c => c.State?.Running is not null || c.State?.Terminated is not null) == true
            || status?.InitContainerStatuses?.Any(c => c.State?.Running is not null || c.State?.Terminated is not null) == true;
        if (started)
        {
            _podsStarted.TryAdd(name, Stopwatch.GetTimestamp());
        }
    }

    private string? RunOf(V1ObjectMeta metadata) =>
        metadata.Labels is { } labels && labels.TryGetValue(Labels.AgentRun, out var run) && _names.Contains(run) ? run : null;

    /// <summary>Lists, then watches from the list's resourceVersion; the returned task completes after the first list.</summary>
    private Task Watch<T>(ResourceClient<T> client, string ns, string? labelSelector, Action<T> onObject)
        where T : class
    {
        var listed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var token = _stop.Token;
        _watches.Add(Task.Run(async () =>
        {
            while (!token.IsCancellationRequested)
            {
                try
                {
                    var list = await client.ListAsync(ns, labelSelector, cancellationToken: token).ConfigureAwait(false);
                    foreach (var item in list.Items)
                    {
                        onObject(item);
                    }

                    listed.TrySetResult();
                    var from = list.ResourceVersion;
                    while (!token.IsCancellationRequested)
                    {
                        await foreach (var e in client.WatchAsync(ns, from, labelSelector, cancellationToken: token).ConfigureAwait(false))
                        {
                            from = e.ResourceVersion ?? from;
                            if (e.Type is "ADDED" or "MODIFIED" && e.Object is { } o)
                            {
                                onObject(o);
                            }
                        }
                    }
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (e is HttpRequestException or IOException or KubernetesApiException)
                {
                    if (token.IsCancellationRequested)
                    {
                        return;
                    }

                    Interlocked.Increment(ref _resumes);
                    Report.Progress($"  {client.Resource.Plural} watch: {e.Message}; listing again");
                    await Task.Delay(200, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }, CancellationToken.None));
        return listed.Task;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_watches).ConfigureAwait(false);
        _stop.Dispose();
    }
}
