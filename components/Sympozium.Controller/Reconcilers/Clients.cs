using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Api.Serialization;
using Sympozium.Kubernetes.Client;

namespace Sympozium.Controller.Reconcilers;

/// <summary>The resource clients the reconcilers use, over one connection.</summary>
public sealed class Clients(KubernetesConnection connection)
{
    public KubernetesConnection Connection => connection;

    public ResourceClient<SkillPack> SkillPacks { get; } = new(connection, ApiResource.For(KnownKinds.SkillPack), ResourceSerializer.FromTypeInfo(SympoziumJsonContext.Default.SkillPack));
    public ResourceClient<SympoziumPolicy> Policies { get; } = new(connection, ApiResource.For(KnownKinds.SympoziumPolicy), ResourceSerializer.FromTypeInfo(SympoziumJsonContext.Default.SympoziumPolicy));
    public ResourceClient<SympoziumInstance> Instances { get; } = new(connection, ApiResource.For(KnownKinds.SympoziumInstance), ResourceSerializer.FromTypeInfo(SympoziumJsonContext.Default.SympoziumInstance));
    public ResourceClient<AgentRun> Runs { get; } = new(connection, ApiResource.For(KnownKinds.AgentRun), ResourceSerializer.FromTypeInfo(SympoziumJsonContext.Default.AgentRun));
    public ResourceClient<V1ConfigMap> ConfigMaps { get; } = new(connection, ApiResource.ConfigMaps, ResourceSerializer.FromKubernetesClient<V1ConfigMap>());
    public ResourceClient<V1Lease> Leases { get; } = new(connection, ApiResource.Leases, ResourceSerializer.FromKubernetesClient<V1Lease>());
}
