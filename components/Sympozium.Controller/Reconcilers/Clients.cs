using System.Text.Json.Nodes;
using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Api.Serialization;
using Sympozium.Kubernetes.Client;

namespace Sympozium.Controller.Reconcilers;

/// <summary>The resource clients the reconcilers use, over one connection.</summary>
public sealed class Clients(KubernetesConnection connection)
{
    public KubernetesConnection Connection => connection;

    // Our kinds.
    public ResourceClient<SkillPack> SkillPacks { get; } = new(connection, ApiResource.For(KnownKinds.SkillPack), ResourceSerializer.FromTypeInfo(SympoziumJsonContext.Default.SkillPack));
    public ResourceClient<SympoziumPolicy> Policies { get; } = new(connection, ApiResource.For(KnownKinds.SympoziumPolicy), ResourceSerializer.FromTypeInfo(SympoziumJsonContext.Default.SympoziumPolicy));
    public ResourceClient<SympoziumInstance> Instances { get; } = new(connection, ApiResource.For(KnownKinds.SympoziumInstance), ResourceSerializer.FromTypeInfo(SympoziumJsonContext.Default.SympoziumInstance));
    public ResourceClient<AgentRun> Runs { get; } = new(connection, ApiResource.For(KnownKinds.AgentRun), ResourceSerializer.FromTypeInfo(SympoziumJsonContext.Default.AgentRun));
    public ResourceClient<MCPServer> McpServers { get; } = new(connection, ApiResource.For(KnownKinds.MCPServer), ResourceSerializer.FromTypeInfo(SympoziumJsonContext.Default.MCPServer));
    public ResourceClient<SympoziumConfig> Configs { get; } = new(connection, ApiResource.For(KnownKinds.SympoziumConfig), ResourceSerializer.FromTypeInfo(SympoziumJsonContext.Default.SympoziumConfig));

    // Built-in kinds, through the controller's own JSON context (see KubernetesModelsJsonContext).
    public ResourceClient<V1ConfigMap> ConfigMaps { get; } = new(connection, ApiResource.ConfigMaps, ResourceSerializer.FromTypeInfo(KubernetesModelsJsonContext.Default.V1ConfigMap));
    public ResourceClient<V1Secret> Secrets { get; } = new(connection, ApiResource.Secrets, ResourceSerializer.FromTypeInfo(KubernetesModelsJsonContext.Default.V1Secret));
    public ResourceClient<V1Lease> Leases { get; } = new(connection, ApiResource.Leases, ResourceSerializer.FromTypeInfo(KubernetesModelsJsonContext.Default.V1Lease));
    public ResourceClient<V1Job> Jobs { get; } = new(connection, ApiResource.Jobs, ResourceSerializer.FromTypeInfo(KubernetesModelsJsonContext.Default.V1Job));
    public ResourceClient<V1Pod> Pods { get; } = new(connection, ApiResource.Pods, ResourceSerializer.FromTypeInfo(KubernetesModelsJsonContext.Default.V1Pod));
    public ResourceClient<V1Deployment> Deployments { get; } = new(connection, ApiResource.Deployments, ResourceSerializer.FromTypeInfo(KubernetesModelsJsonContext.Default.V1Deployment));
    public ResourceClient<V1Service> Services { get; } = new(connection, ApiResource.Services, ResourceSerializer.FromTypeInfo(KubernetesModelsJsonContext.Default.V1Service));
    public ResourceClient<V1PersistentVolumeClaim> Claims { get; } = new(connection, ApiResource.PersistentVolumeClaims, ResourceSerializer.FromTypeInfo(KubernetesModelsJsonContext.Default.V1PersistentVolumeClaim));
    public ResourceClient<V1ServiceAccount> ServiceAccounts { get; } = new(connection, ApiResource.ServiceAccounts, ResourceSerializer.FromTypeInfo(KubernetesModelsJsonContext.Default.V1ServiceAccount));
    public ResourceClient<V1Role> Roles { get; } = new(connection, ApiResource.Roles, ResourceSerializer.FromTypeInfo(KubernetesModelsJsonContext.Default.V1Role));
    public ResourceClient<V1RoleBinding> RoleBindings { get; } = new(connection, ApiResource.RoleBindings, ResourceSerializer.FromTypeInfo(KubernetesModelsJsonContext.Default.V1RoleBinding));
    public ResourceClient<V1ClusterRole> ClusterRoles { get; } = new(connection, ApiResource.ClusterRoles, ResourceSerializer.FromTypeInfo(KubernetesModelsJsonContext.Default.V1ClusterRole));
    public ResourceClient<V1ClusterRoleBinding> ClusterRoleBindings { get; } = new(connection, ApiResource.ClusterRoleBindings, ResourceSerializer.FromTypeInfo(KubernetesModelsJsonContext.Default.V1ClusterRoleBinding));
    public ResourceClient<V1NetworkPolicy> NetworkPolicies { get; } = new(connection, ApiResource.NetworkPolicies, ResourceSerializer.FromTypeInfo(KubernetesModelsJsonContext.Default.V1NetworkPolicy));

    // Gateway API (no typed models; installed as CRDs when present).
    public ResourceClient<JsonObject> Gateways { get; } = new(connection, ApiResource.Gateways, ResourceSerializer.Json());
    public ResourceClient<JsonObject> GatewayClasses { get; } = new(connection, ApiResource.GatewayClasses, ResourceSerializer.Json());
    public ResourceClient<JsonObject> HttpRoutes { get; } = new(connection, ApiResource.HttpRoutes, ResourceSerializer.Json());
}
