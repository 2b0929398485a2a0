using System.Text.Json.Nodes;
using System.Threading.Channels;
using Sympozium.LocalCluster.Storage;

namespace Sympozium.LocalCluster.Controllers;

/// <summary>
/// Runs the in-process controllers against the store: garbage collector, Job, Deployment,
/// ReplicaSet, DaemonSet, Endpoints and ServiceAccount (a "default" per namespace). Level-triggered: a store change to a kind they watch
/// (or any deletion / owned object, for the garbage collector) wakes one reconcile pass over
/// everything; a tick every <see cref="TickInterval"/> covers time-based rules
/// (activeDeadlineSeconds, ttlSecondsAfterFinished, overdue pod deletions). Passes never overlap.
/// Controllers write to the store directly, so admission webhooks do not see their writes.
/// </summary>
public sealed class ControllerManager : IAsyncDisposable
{
    private static readonly HashSet<string> Watched = new(StringComparer.Ordinal)
    {
        "pods", "nodes", "services", "endpoints", JobController.Resource, DeploymentController.Resource,
        ReplicaSetController.Resource, DaemonSetController.Resource, "namespaces", ServiceAccountController.Resource,
    };

    private readonly ObjectStore _store;
    private readonly TimeProvider _time;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private readonly GarbageCollector _gc;
    private readonly JobController _jobs;
    private readonly DeploymentController _deployments;
    private readonly ReplicaSetController _replicaSets;
    private readonly DaemonSetController _daemonSets;
    private readonly EndpointsController _endpoints;
    private readonly ServiceAccountController _serviceAccounts;
    private readonly Task _loop;
    private volatile bool _gcDirty = true;

    /// <param name="store">The cluster's objects.</param>
    /// <param name="time">The clock of time-based rules (default: the system clock).</param>
    /// <param name="rootCaPem">The cluster CA published as ConfigMap kube-root-ca.crt in every namespace; null publishes none.</param>
    public ControllerManager(ObjectStore store, TimeProvider? time = null, string? rootCaPem = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _time = time ?? TimeProvider.System;
        _gc = new GarbageCollector(store);
        _jobs = new JobController(store, _time);
        _deployments = new DeploymentController(store, _time);
        _replicaSets = new ReplicaSetController(store);
        _daemonSets = new DaemonSetController(store);
        _endpoints = new EndpointsController(store, _time);
        _serviceAccounts = new ServiceAccountController(store, rootCaPem);
        store.Committed += OnCommitted;
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>How often time-based rules are checked without a change (default: 500 ms).</summary>
    public static TimeSpan TickInterval { get; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How many reconcile passes have run (diagnostics).</summary>
    public long Passes { get; private set; }

    private void OnCommitted(WatchEvent e)
    {
        if (e.Type == WatchEventTypes.Deleted || e.Object["metadata"]?["ownerReferences"] is JsonArray { Count: > 0 }
            || e.Object["metadata"]?["deletionTimestamp"] is not null)
        {
            _gcDirty = true;
        }
        else if (!Watched.Contains(e.Resource))
        {
            return;
        }

        _wake.Writer.TryWrite(true);
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var lastPodGc = DateTimeOffset.MinValue;
        while (!cancellationToken.IsCancellationRequested)
        {
            using (var tick = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                tick.CancelAfter(TickInterval);
                try
                {
                    await _wake.Reader.ReadAsync(tick.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            try
            {
                Pass(ref lastPodGc);
            }
#pragma warning disable CA1031 // A controller bug must not stop the others; the next pass retries.
            catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
            {
                await Console.Error.WriteLineAsync($"local-cluster controllers: {e}").ConfigureAwait(false);
            }
        }
    }

    private void Pass(ref DateTimeOffset lastPodGc)
    {
        if (_gcDirty)
        {
            _gcDirty = false;
            _gc.Collect();
        }

        var now = _time.GetUtcNow();
        if (now - lastPodGc >= TimeSpan.FromSeconds(1))
        {
            lastPodGc = now;
            _gc.CollectPods(now);
        }

        var pods = _store.All("pods").Select(p => p.Object).ToList();
        var podsByController = pods.ToLookup(p => Objects.ControllerUid(p) ?? "", StringComparer.Ordinal);
        _jobs.Reconcile(podsByController);
        var replicaSets = _store.All(ReplicaSetController.Resource).Select(r => r.Object)
            .ToLookup(r => Objects.ControllerUid(r) ?? "", StringComparer.Ordinal);
        _deployments.Reconcile(replicaSets);
        _replicaSets.Reconcile(podsByController);
        _daemonSets.Reconcile(podsByController);
        _endpoints.Reconcile(pods);
        _serviceAccounts.Reconcile();
        Passes++;
    }

    public async ValueTask DisposeAsync()
    {
        _store.Committed -= OnCommitted;
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
