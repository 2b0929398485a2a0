using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Kubernetes.Cache;

namespace Sympozium.Controller.Reconcilers;

/// <summary>
/// Where the reconcilers read the kinds the manager caches (docs/design/controller.md#what-the-controller-reads-from-its-caches-and-what-it-reads-live):
/// the manager's informers in the controller, live reads when a reconciler runs on its own (tests).
/// Everything else (Secrets, ConfigMaps, MCPServers, RBAC objects, reads right before a write that
/// must not act on a stale view) goes through <see cref="Clients"/>.
/// </summary>
public sealed class ClusterReader
{
    public required IObjectReader<AgentRun> Runs { get; init; }

    public required IObjectReader<SympoziumInstance> Instances { get; init; }

    public required IObjectReader<SympoziumPolicy> Policies { get; init; }

    public required IObjectReader<SkillPack> SkillPacks { get; init; }

    public required IObjectReader<SympoziumConfig> Configs { get; init; }

    public required IObjectReader<V1Job> Jobs { get; init; }

    public required IObjectReader<V1Pod> Pods { get; init; }

    public required IObjectReader<V1Deployment> Deployments { get; init; }

    public required IObjectReader<V1Service> Services { get; init; }

    /// <summary>Every read live through <paramref name="clients"/>.</summary>
    public static ClusterReader Live(Clients clients)
    {
        ArgumentNullException.ThrowIfNull(clients);
        return new()
        {
            Runs = new LiveReader<AgentRun>(clients.Runs),
            Instances = new LiveReader<SympoziumInstance>(clients.Instances),
            Policies = new LiveReader<SympoziumPolicy>(clients.Policies),
            SkillPacks = new LiveReader<SkillPack>(clients.SkillPacks),
            Configs = new LiveReader<SympoziumConfig>(clients.Configs),
            Jobs = new LiveReader<V1Job>(clients.Jobs),
            Pods = new LiveReader<V1Pod>(clients.Pods),
            Deployments = new LiveReader<V1Deployment>(clients.Deployments),
            Services = new LiveReader<V1Service>(clients.Services),
        };
    }
}
