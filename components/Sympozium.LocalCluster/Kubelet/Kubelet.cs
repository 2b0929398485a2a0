using System.Text.Json.Nodes;
using Sympozium.LocalCluster.Storage;

namespace Sympozium.LocalCluster.Kubelet;

/// <summary>Options of the local kubelet.</summary>
public sealed record KubeletOptions
{
    /// <summary>The cluster's state directory: pods live under DIR/pods, claims under DIR/volumes.</summary>
    public required string Directory { get; init; }

    public ImageMap Images { get; init; } = ImageMap.Default;

    /// <summary>Upper bound of terminationGracePeriodSeconds (default: 30 s).</summary>
    public TimeSpan MaxGracePeriod { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Grace period for every pod when the kubelet stops (default: 2 s).</summary>
    public TimeSpan ShutdownGracePeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Back-off cap between restarts (1 s, 2 s, 4 s … up to this; default 10 s).</summary>
    public TimeSpan MaxBackOff { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Multiplier of every back-off delay (tests shorten it).</summary>
    public double BackOffScale { get; init; } = 1;

    /// <summary>
    /// The API server pods talk to (KUBERNETES_SERVICE_* and ServiceAccount tokens); null: pods
    /// get neither and ServiceAccounts are not checked (a kubelet without an API server).
    /// </summary>
    internal ApiServerAccess? ApiServer { get; init; }
}

/// <summary>
/// The local cluster's kubelet and scheduler in one: binds unscheduled pods to a fitting Node
/// (nodeSelector, required node affinity) and runs every pod bound to one of the cluster's Nodes
/// as host processes (see <see cref="PodWorker"/>). Pods deleted from the store are killed;
/// at stop every pod's processes are killed; process groups a crashed run left are killed at start.
/// Components in pods must bind their pod's IP (status.podIP via the downward API).
/// </summary>
public sealed class Kubelet : IAsyncDisposable
{
    private readonly Dictionary<string, PodWorker> _workers = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly PodAddresses _addresses = new();
    private Task _loop = Task.CompletedTask;
    private WatchSubscription? _pods;
    private WatchSubscription? _nodes;

    public Kubelet(ObjectStore store, KubeletOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Store = store;
        Options = options;
        Tracker = new ProcessTracker(Path.Combine(options.Directory, "kubelet"));
        Puller = new ImagePuller(options.Directory);
#pragma warning disable CA2000, CA5359 // the handler is owned by the client; probes skip certificate checks, as Kubernetes' do
        ProbeClient = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
            AllowAutoRedirect = true,
        });
#pragma warning restore CA2000, CA5359
    }

    public ObjectStore Store { get; }

    public KubeletOptions Options { get; }

    internal ImageMap Images => Options.Images;

    internal ProcessTracker Tracker { get; }

    internal ImagePuller Puller { get; }

    internal HttpClient ProbeClient { get; }

    /// <summary>Creates and starts the kubelet of a local cluster server.</summary>
    internal static Kubelet Create(ObjectStore store, LocalClusterOptions options, ApiServerAccess apiServer)
    {
        var kubeletOptions = new KubeletOptions { Directory = options.Directory, Images = ImageMap.Load(options.ImagesFile), ApiServer = apiServer };
        var kubelet = new Kubelet(store, options.ConfigureKubelet?.Invoke(kubeletOptions) ?? kubeletOptions);
        kubelet.Start();
        return kubelet;
    }

    /// <summary>Kills orphans of a crashed run, then starts watching pods and nodes.</summary>
    public void Start()
    {
        Tracker.ReapOrphans();
        foreach (var (_, pod) in Store.All("pods"))
        {
            if (pod["status"]?["podIP"]?.ToString() is { Length: > 0 } ip)
            {
                _addresses.Reserve(ip);
            }
        }

        _pods = Store.Watch("pods", 0, new ListOptions());
        _nodes = Store.Watch("nodes", 0, new ListOptions());
        _loop = Task.WhenAll(Task.Run(() => PodLoopAsync(_stop.Token)), Task.Run(() => NodeLoopAsync(_stop.Token)));
    }

    private async Task PodLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var e in _pods!.Events.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                Handle(e);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task NodeLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var e in _nodes!.Events.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                // A new or relabelled node may fit pods that fitted nowhere.
                foreach (var (_, pod) in Store.All("pods"))
                {
                    if (string.IsNullOrEmpty(pod["spec"]?["nodeName"]?.ToString()))
                    {
                        Handle(new WatchEvent(WatchEventTypes.Modified, "pods", 0, pod, null));
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Handle(WatchEvent e)
    {
        var pod = e.Object;
        var uid = ObjectMetadata.String(pod, "uid") ?? "";
        PodWorker? worker;
        lock (_gate)
        {
            _workers.TryGetValue(uid, out worker);
        }

        try
        {
            if (e.Type == WatchEventTypes.Deleted)
            {
                if (worker is not null)
                {
                    _ = RemoveAsync(worker, pod);
                }

                return;
            }

            if (pod["metadata"]?["deletionTimestamp"] is not null)
            {
                if (worker is not null)
                {
                    var grace = pod["metadata"]?["deletionGracePeriodSeconds"] is JsonValue g && g.TryGetValue<long>(out var s) && s > 0
                        ? TimeSpan.FromSeconds(s)
                        : worker.GracePeriod(pod["spec"]?["terminationGracePeriodSeconds"]);
                    _ = FinishDeletionAsync(worker, pod, grace);
                }

                return;
            }

            var nodeName = pod["spec"]?["nodeName"]?.ToString();
            if (string.IsNullOrEmpty(nodeName))
            {
                Schedule(pod);
                return;
            }

            var phase = pod["status"]?["phase"]?.ToString();
            if (worker is not null || phase is "Succeeded" or "Failed" || Store.TryGet("nodes", null, nodeName) is null)
            {
                return;
            }

            var ip = pod["status"]?["podIP"]?.ToString() is { Length: > 0 } existing ? existing : _addresses.Allocate();
            worker = new PodWorker(this, pod.DeepClone().AsObject(), ip);
            lock (_gate)
            {
                if (_stop.IsCancellationRequested || !_workers.TryAdd(uid, worker))
                {
                    return;
                }
            }

            worker.Start();
        }
        catch (Exception ex) when (ex is StoreException or ObjectDisposedException or IOException)
        {
        }
    }

    /// <summary>
    /// Graceful deletion, as a kubelet does it: stop the processes within the grace period, then
    /// remove the pod from the store (grace 0). Finalizers, if any, still hold the object.
    /// </summary>
    private async Task FinishDeletionAsync(PodWorker worker, JsonObject pod, TimeSpan grace)
    {
        await worker.StopAsync(grace, silent: false).ConfigureAwait(false);
        try
        {
            Store.Delete("pods", ObjectMetadata.String(pod, "namespace"), ObjectMetadata.String(pod, "name") ?? "", new DeletePreconditions(worker.Uid, null));
        }
        catch (StoreException)
        {
            // Already gone, or replaced by a new pod of the same name.
        }
        catch (ObjectDisposedException)
        {
            // The server is stopping.
        }
    }

    private async Task RemoveAsync(PodWorker worker, JsonObject pod)
    {
        var grace = worker.GracePeriod(pod["spec"]?["terminationGracePeriodSeconds"]);
        await worker.StopAsync(grace, silent: true).ConfigureAwait(false);
        lock (_gate)
        {
            _workers.Remove(worker.Uid);
        }

        _addresses.Release(worker.PodIp);
        worker.Dispose();
        try
        {
            Directory.Delete(worker.Directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Binds the pod to the fitting node with the fewest pods, or reports it Unschedulable.</summary>
    private void Schedule(JsonObject pod)
    {
        var nodes = Store.All("nodes").Select(n => n.Object).Where(n => n["spec"]?["unschedulable"]?.ToString() != "true").ToList();
        var fitting = nodes.Where(n => NodeMatcher.Fits(pod, n)).ToList();
        if (fitting.Count == 0)
        {
            var message = NodeMatcher.UnschedulableMessage(pod, nodes.Count);
            var conditions = pod["status"]?["conditions"] as JsonArray;
            var current = conditions?.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.ToString() == "PodScheduled");
            if (current?["message"]?.ToString() == message)
            {
                return;
            }

            var updated = pod.DeepClone().AsObject();
            updated["status"] ??= new JsonObject();
            updated["status"]!["phase"] = "Pending";
            updated["status"]!["conditions"] = new JsonArray(new JsonObject
            {
                ["type"] = "PodScheduled",
                ["status"] = "False",
                ["lastProbeTime"] = null,
                ["lastTransitionTime"] = ContainerState.Time(DateTimeOffset.UtcNow),
                ["reason"] = "Unschedulable",
                ["message"] = message,
            });
            Store.Update("pods", updated, UpdateMode.StatusOnly);
            return;
        }

        var load = Store.All("pods").GroupBy(p => p.Object["spec"]?["nodeName"]?.ToString() ?? "").ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var node = fitting.OrderBy(n => load.GetValueOrDefault(ObjectMetadata.Name(n))).ThenBy(ObjectMetadata.Name, StringComparer.Ordinal).First();
        var bound = pod.DeepClone().AsObject();
        bound["spec"]!["nodeName"] = ObjectMetadata.Name(node);
        try
        {
            Store.Update("pods", bound, UpdateMode.PreserveStatus); // with its resourceVersion: a concurrent change wins, the next event retries
        }
        catch (StoreException e) when (e.Kind is StoreErrorKind.Conflict or StoreErrorKind.NotFound)
        {
        }
    }

    /// <summary>Stops watching and kills every pod's processes (grace: <see cref="KubeletOptions.ShutdownGracePeriod"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        List<PodWorker> workers;
        lock (_gate)
        {
            _stop.Cancel();
            workers = [.. _workers.Values];
        }

        _pods?.Dispose();
        _nodes?.Dispose();
        await _loop.ConfigureAwait(false);
        await Task.WhenAll(workers.Select(w => w.StopAsync(Options.ShutdownGracePeriod, silent: true))).ConfigureAwait(false);
        ProbeClient.Dispose();
        _stop.Dispose();
    }
}
