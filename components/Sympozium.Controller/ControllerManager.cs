using Microsoft.Extensions.Logging;
using Sympozium.Api.Meta;
using Sympozium.Controller.Reconcilers;
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
public sealed class ControllerManager(KubernetesConnection connection, ControllerOptions options, ILoggerFactory loggers, TimeProvider? time = null)
{
    private readonly Clients _clients = new(connection);

    /// <summary>True once every informer has listed its kind.</summary>
    public bool IsReady { get; private set; }

    /// <summary>The leader elector (null when leader election is off).</summary>
    public LeaseLeaderElector? Elector { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("Sympozium.Controller");
        var skillPacks = Watch(_clients.SkillPacks);
        var policies = Watch(_clients.Policies);
        var instances = Watch(_clients.Instances);
        var skillQueue = new Volatile<RateLimitedWorkQueue<ObjectKey>>();
        var policyQueue = new Volatile<RateLimitedWorkQueue<ObjectKey>>();
        skillPacks.OnChange(e => skillQueue.Value?.Add(e.Key));
        policies.OnChange(e => policyQueue.Value?.Add(e.Key));
        // An instance naming a policy changes that policy's count: re-check the namespace's policies.
        instances.OnChange(e =>
        {
            foreach (var policy in policies.List().Where(p => p.Metadata.Namespace == e.Key.Namespace))
            {
                policyQueue.Value?.Add(KeyOf(policy));
            }
        });

        var informers = new[] { Run(skillPacks, cancellationToken), Run(policies, cancellationToken), Run(instances, cancellationToken) };
        await Task.WhenAll(skillPacks.WaitForSyncAsync(cancellationToken), policies.WaitForSyncAsync(cancellationToken), instances.WaitForSyncAsync(cancellationToken)).ConfigureAwait(false);
        IsReady = true;

        async Task LeadAsync(CancellationToken leading)
        {
            using var skills = new RateLimitedWorkQueue<ObjectKey>(timeProvider: time);
            using var policyWork = new RateLimitedWorkQueue<ObjectKey>(timeProvider: time);
            skillQueue.Value = skills;
            policyQueue.Value = policyWork;
            foreach (var pack in skillPacks.List())
            {
                skills.Add(KeyOf(pack));
            }

            foreach (var policy in policies.List())
            {
                policyWork.Add(KeyOf(policy));
            }

            try
            {
                await Task.WhenAll(
                    new ReconcilerHost<ObjectKey>(new SkillPackReconciler(_clients), skills, loggers.CreateLogger("Sympozium.Controller.SkillPack"), new ReconcilerHostOptions { Name = "skillpack", Workers = options.Workers }).RunAsync(leading),
                    new ReconcilerHost<ObjectKey>(new PolicyReconciler(_clients), policyWork, loggers.CreateLogger("Sympozium.Controller.Policy"), new ReconcilerHostOptions { Name = "policy", Workers = 1 }).RunAsync(leading)).ConfigureAwait(false);
            }
            finally
            {
                skillQueue.Value = null;
                policyQueue.Value = null;
            }
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

    private Informer<T> Watch<T>(ResourceClient<T> client)
        where T : class, IKubernetesObject =>
        new(client, KeyOf, o => o.Metadata.ResourceVersion, loggers.CreateLogger("Sympozium.Controller.Informer"), time: time);

    private static Task Run<T>(Informer<T> informer, CancellationToken cancellationToken)
        where T : class => Task.Run(() => informer.RunAsync(cancellationToken), CancellationToken.None);

    private static ObjectKey KeyOf(IKubernetesObject o) => new(o.Metadata.Namespace, o.Metadata.Name ?? "");

    /// <summary>A reference read and written from several threads.</summary>
    private sealed class Volatile<T>
        where T : class
    {
        private T? _value;

        public T? Value
        {
            get => System.Threading.Volatile.Read(ref _value);
            set => System.Threading.Volatile.Write(ref _value, value);
        }
    }

}
