using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Sympozium.Api.Kinds;
using Sympozium.Api.Meta;
using Sympozium.Api.Serialization;
using Sympozium.Api.WellKnown;
using Sympozium.Controller.Reconcilers;
using Sympozium.Controller.Runs;
using Sympozium.Kubernetes;
using Sympozium.Kubernetes.Cache;
using Sympozium.Kubernetes.Client;
using Sympozium.Kubernetes.Leader;
using Sympozium.Kubernetes.Reconcile;
using Sympozium.Kubernetes.WorkQueue;

namespace Sympozium.Controller;

/// <summary>
/// Runs the informers all the time and the reconcilers only while this process leads (a
/// non-leader keeps warm caches and writes nothing). Each leadership term gets fresh work queues,
/// seeded from the caches, so nothing observed before the term is missed.
/// </summary>
/// <param name="whileLeading">More work that only the leader does (the channel router), started with each term.</param>
public sealed class ControllerManager(
    KubernetesConnection connection,
    ControllerOptions options,
    ILoggerFactory loggers,
    TimeProvider? time = null,
    IRunEvents? runEvents = null,
    Func<CancellationToken, Task>? whileLeading = null)
{
    private readonly Clients _clients = new(connection);
    private readonly List<Registration> _registrations = [];

    /// <summary>True once every informer has listed its kind.</summary>
    public bool IsReady { get; private set; }

    /// <summary>What the reconcilers read through (the informer caches), once <see cref="RunAsync"/> has started.</summary>
    public ClusterReader? Reader { get; private set; }

    /// <summary>The leader elector (null when leader election is off).</summary>
    public LeaseLeaderElector? Elector { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("Sympozium.Controller");
        var skillPacks = Watch(_clients.SkillPacks);
        var policies = Watch(_clients.Policies);
        var instances = Watch(_clients.Instances);
        var runs = Watch(_clients.Runs);
        var jobs = Watch(_clients.Jobs, $"{Labels.AppManagedBy}={Labels.Values.SympoziumController}", CacheTransforms.Job);
        var pods = Watch(_clients.Pods, $"{Labels.Component}={Labels.Components.AgentRun}", CacheTransforms.Pod);
        var configs = Watch(_clients.Configs);
        var deployments = Watch(_clients.Deployments, Labels.Instance, CacheTransforms.BuiltIn);
        var services = Watch(_clients.Services, Labels.Instance, CacheTransforms.BuiltIn);

        // Reconcilers read these kinds from the caches above (docs/design/controller.md#what-the-controller-reads-from-its-caches-and-what-it-reads-live).
        var runCache = Cached(runs, _clients.Runs, Clone(SympoziumJsonContext.Default.AgentRun), Labels.Instance);
        var reader = new ClusterReader
        {
            Runs = runCache,
            Instances = Cached(instances, _clients.Instances, Clone(SympoziumJsonContext.Default.SympoziumInstance)),
            Policies = Cached(policies, _clients.Policies, Clone(SympoziumJsonContext.Default.SympoziumPolicy)),
            SkillPacks = Cached(skillPacks, _clients.SkillPacks, Clone(SympoziumJsonContext.Default.SkillPack)),
            Configs = Cached(configs, _clients.Configs, Clone(SympoziumJsonContext.Default.SympoziumConfig)),
            Jobs = CachedBuiltIn(jobs, _clients.Jobs),
            Pods = CachedBuiltIn(pods, _clients.Pods),
            Deployments = CachedBuiltIn(deployments, _clients.Deployments),
            Services = CachedBuiltIn(services, _clients.Services),
        };
        Reader = reader;

        var skillWork = Register("skillpack", options.Workers, () => new SkillPackReconciler(_clients, reader), () => skillPacks.List().Select(KeyOf));
        var policyWork = Register("policy", 1, () => new PolicyReconciler(_clients, reader), () => policies.List().Select(KeyOf));
        var runWork = Register(
            "agentrun",
            options.RunWorkers,
            () => new AgentRunReconciler(_clients, options, runEvents, loggers.CreateLogger("Sympozium.Controller.AgentRun"), time, reader),
            () => runs.List().Select(KeyOf));
        var instanceWork = Register("instance", options.Workers, () => new InstanceReconciler(_clients, options, time, reader), () => instances.List().Select(KeyOf));
        var configWork = Register("config", 1, () => new ConfigReconciler(_clients, time), () => configs.List().Select(KeyOf));

        skillPacks.OnChange(e => skillWork.Add(e.Key));
        policies.OnChange(e =>
        {
            // A policy gaining or losing the default label changes what its siblings govern.
            foreach (var policy in policies.List().Where(p => p.Metadata.Namespace == e.Key.Namespace))
            {
                policyWork.Add(KeyOf(policy));
            }

            policyWork.Add(e.Key);
        });
        configs.OnChange(e => configWork.Add(e.Key));
        deployments.OnChange(e => InstanceOf(e.Object.Metadata, instanceWork));
        services.OnChange(e => InstanceOf(e.Object.Metadata, instanceWork));
        instances.OnChange(e =>
        {
            instanceWork.Add(e.Key);

            // Only a new, deleted or re-specified instance matters to its policies and runs; the
            // instance's own status writes (one per run it counts) wake nothing else.
            if (e.Type is InformerEventType.Modified && e.Old?.Metadata.Generation == e.Object.Metadata.Generation)
            {
                return;
            }

            // An instance naming a policy changes that policy's count: re-check the namespace's policies.
            foreach (var policy in policies.List().Where(p => p.Metadata.Namespace == e.Key.Namespace))
            {
                policyWork.Add(KeyOf(policy));
            }

            // Runs waiting for this instance start as soon as it exists.
            foreach (var run in InstanceRuns(runs, runCache, e.Key.Namespace, e.Key.Name).Where(r => r.Spec.InstanceRef == e.Key.Name && !AgentRunReconciler.IsTerminal(r.Status?.Phase)))
            {
                runWork.Add(KeyOf(run));
            }

            if (e.Type is InformerEventType.Added or InformerEventType.Deleted)
            {
                // Runs created before the instance have no instance label yet.
                foreach (var run in runs.List().Where(r => r.Metadata.Namespace == e.Key.Namespace && r.Spec.InstanceRef == e.Key.Name && !AgentRunReconciler.IsTerminal(r.Status?.Phase)))
                {
                    runWork.Add(KeyOf(run));
                }
            }
        });
        runs.OnChange(e =>
        {
            runWork.Add(e.Key);

            // The instance counts its runs by phase and owns its web-endpoint run: only a change of
            // those wakes it.
            if (e.Object.Spec.InstanceRef is { Length: > 0 } instance && ChangesInstanceStatus(e))
            {
                instanceWork.Add(new ObjectKey(e.Key.Namespace, instance));
            }

            // A run that stops holding a slot frees it: wake the runs queued on the concurrency limit.
            if (FreesSlot(e))
            {
                foreach (var queued in InstanceRuns(runs, runCache, e.Key.Namespace, e.Object.Spec.InstanceRef).Where(r => r.Spec.InstanceRef == e.Object.Spec.InstanceRef && ConcurrencyGate.IsQueued(r)))
                {
                    runWork.Add(KeyOf(queued));
                }
            }
        });
        jobs.OnChange(e => OwnerRun(e.Object.Metadata, runWork));
        pods.OnChange(e => OwnerRun(e.Object.Metadata, runWork));

        Task[] informers =
        [
            Run(skillPacks, cancellationToken), Run(policies, cancellationToken), Run(instances, cancellationToken), Run(runs, cancellationToken),
            Run(jobs, cancellationToken), Run(pods, cancellationToken), Run(configs, cancellationToken), Run(deployments, cancellationToken), Run(services, cancellationToken),
        ];
        await Task.WhenAll(
            skillPacks.WaitForSyncAsync(cancellationToken),
            policies.WaitForSyncAsync(cancellationToken),
            instances.WaitForSyncAsync(cancellationToken),
            runs.WaitForSyncAsync(cancellationToken),
            jobs.WaitForSyncAsync(cancellationToken),
            pods.WaitForSyncAsync(cancellationToken),
            configs.WaitForSyncAsync(cancellationToken),
            deployments.WaitForSyncAsync(cancellationToken),
            services.WaitForSyncAsync(cancellationToken)).ConfigureAwait(false);
        IsReady = true;

        async Task LeadAsync(CancellationToken leading)
        {
            var hosts = new List<Task>();
            foreach (var registration in _registrations)
            {
                hosts.Add(registration.RunAsync(loggers, time, leading));
            }

            if (whileLeading is not null)
            {
                hosts.Add(Task.Run(() => whileLeading(leading), CancellationToken.None));
            }

            // Cluster-wide grants whose run is gone or finished (docs/design/agent-runs.md#per-run-rbac).
            hosts.Add(Task.Run(() => new RbacSweeper(_clients, loggers.CreateLogger("Sympozium.Controller.RbacSweeper"), time).RunAsync(leading), CancellationToken.None));

            await Task.WhenAll(hosts).ConfigureAwait(false);
        }

        if (options.LeaderElection)
        {
            Elector = new LeaseLeaderElector(_clients.Leases, new LeaderElectionOptions { Namespace = options.Namespace }, logger, time);
            await Elector.RunAsync(LeadAsync, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await LeadAsync(cancellationToken).ConfigureAwait(false);
        }

        await Task.WhenAll(informers).ConfigureAwait(false);
    }

    /// <summary>Adds a reconciler that runs while leading; returns the handle informer handlers enqueue into.</summary>
    private Registration Register(string name, int workers, Func<IReconciler<ObjectKey>> create, Func<IEnumerable<ObjectKey>> seed)
    {
        var registration = new Registration(name, workers, create, seed);
        _registrations.Add(registration);
        return registration;
    }

    /// <summary>The cached runs labelled with the instance (through the label index; cached objects, not copies: read only).</summary>
    private static IEnumerable<AgentRun> InstanceRuns(Informer<AgentRun> runs, CachedReader<AgentRun> index, string? ns, string instance) =>
        index.Keys(ns, Labels.Instance, instance).Select(runs.Get).OfType<AgentRun>();

    /// <summary>A run change the instance's status reflects: a run appearing or going, or changing phase.</summary>
    private static bool ChangesInstanceStatus(InformerEvent<AgentRun> e) =>
        e.Type is InformerEventType.Added or InformerEventType.Deleted
        || e.Old is not { } old
        || old.Status?.Phase != e.Object.Status?.Phase
        || (old.Metadata.DeletionTimestamp is null) != (e.Object.Metadata.DeletionTimestamp is null)
        || old.Metadata.Labels?.GetValueOrDefault(Labels.Instance) != e.Object.Metadata.Labels?.GetValueOrDefault(Labels.Instance);

    /// <summary>A run that held a concurrency slot and no longer does (finished, or deleted).</summary>
    private static bool FreesSlot(InformerEvent<AgentRun> e) => e.Type switch
    {
        InformerEventType.Deleted => e.Old is { } old ? ConcurrencyGate.HoldsSlot(old) || ConcurrencyGate.HoldsSlot(e.Object) : ConcurrencyGate.HoldsSlot(e.Object),
        InformerEventType.Modified => e.Old is { } old && ConcurrencyGate.HoldsSlot(old) && !ConcurrencyGate.HoldsSlot(e.Object),
        _ => false,
    };

    /// <summary>Enqueues the run a Job or pod belongs to (by its agent-run label).</summary>
    private static void OwnerRun(V1ObjectMeta metadata, Registration runWork)
    {
        if (metadata.Labels is { } labels && labels.TryGetValue(Labels.AgentRun, out var run) && run.Length > 0)
        {
            runWork.Add(new ObjectKey(metadata.NamespaceProperty, run));
        }
    }

    /// <summary>Enqueues the instance a Deployment or Service belongs to (by its instance label).</summary>
    private static void InstanceOf(V1ObjectMeta metadata, Registration instanceWork)
    {
        if (metadata.Labels is { } labels && labels.TryGetValue(Labels.Instance, out var instance) && instance.Length > 0)
        {
            instanceWork.Add(new ObjectKey(metadata.NamespaceProperty, instance));
        }
    }

    private Informer<T> Watch<T>(ResourceClient<T> client)
        where T : class, IKubernetesObject =>
        new(client, KeyOf, o => o.Metadata.ResourceVersion, loggers.CreateLogger("Sympozium.Controller.Informer"), time: time, transform: CacheTransforms.Ours);

    private Informer<T> Watch<T>(ResourceClient<T> client, string labelSelector, Func<T, T> transform)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta> =>
        new(
            client,
            KeyOfBuiltIn,
            o => o.Metadata.ResourceVersion,
            loggers.CreateLogger("Sympozium.Controller.Informer"),
            new InformerOptions { LabelSelector = labelSelector },
            time,
            transform);

    private CachedReader<T> Cached<T>(Informer<T> informer, ResourceClient<T> live, Func<T, T> clone, string? indexLabel = null)
        where T : class, IKubernetesObject =>
        new(informer, live, KeyOf, new CachedKind<T>(o => o.Metadata.ResourceVersion, o => o.Metadata.Labels, clone), indexLabel, time);

    // Built-in kinds are only read (never changed in place by a reconciler), so the cached object itself is handed out.
    private CachedReader<T> CachedBuiltIn<T>(Informer<T> informer, ResourceClient<T> live)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta> =>
        new(informer, live, KeyOfBuiltIn, new CachedKind<T>(o => o.Metadata.ResourceVersion, o => o.Metadata.Labels as IReadOnlyDictionary<string, string>), time: time);

    /// <summary>A deep copy through the kind's source-generated JSON contract: reconcilers change the runs and instances they read.</summary>
    private static Func<T, T> Clone<T>(JsonTypeInfo<T> type) =>
        o => JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(o, type), type)!;

    private static ObjectKey KeyOfBuiltIn<T>(T o)
        where T : k8s.IKubernetesObject<V1ObjectMeta> => new(o.Metadata.NamespaceProperty, o.Metadata.Name ?? "");

    private static Task Run<T>(Informer<T> informer, CancellationToken cancellationToken)
        where T : class => Task.Run(() => informer.RunAsync(cancellationToken), CancellationToken.None);

    private static ObjectKey KeyOf(IKubernetesObject o) => new(o.Metadata.Namespace, o.Metadata.Name ?? "");

    /// <summary>
    /// One reconciler: a fresh work queue per leadership term, seeded from the informer cache;
    /// events arriving outside a term are dropped (the next term's seed covers them).
    /// </summary>
    private sealed class Registration(string name, int workers, Func<IReconciler<ObjectKey>> create, Func<IEnumerable<ObjectKey>> seed)
    {
        private RateLimitedWorkQueue<ObjectKey>? _queue;

        public void Add(ObjectKey key) => Volatile.Read(ref _queue)?.Add(key);

        public async Task RunAsync(ILoggerFactory loggers, TimeProvider? time, CancellationToken leading)
        {
            using var queue = new RateLimitedWorkQueue<ObjectKey>(timeProvider: time);
            Volatile.Write(ref _queue, queue);
            try
            {
                foreach (var key in seed())
                {
                    queue.Add(key);
                }

                var host = new ReconcilerHost<ObjectKey>(create(), queue, loggers.CreateLogger("Sympozium.Controller." + name), new ReconcilerHostOptions { Name = name, Workers = workers });
                await host.RunAsync(leading).ConfigureAwait(false);
            }
            finally
            {
                Volatile.Write(ref _queue, null);
            }
        }
    }
}
