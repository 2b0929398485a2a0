using Sympozium.Api.Kinds;

namespace Sympozium.Kubernetes.Client;

/// <summary>Where a kind is served: group, version, plural and scope.</summary>
public sealed record ApiResource(string Group, string Version, string Plural, string Kind, bool Namespaced = true)
{
    /// <summary><c>apiVersion</c> of the kind (<c>v1</c> for the core group).</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The collection path, e.g. <c>/apis/batch/v1/namespaces/ns/jobs</c> or <c>/api/v1/nodes</c>.</summary>
    public string CollectionPath(string? ns)
    {
        var root = Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";
        return Namespaced && !string.IsNullOrEmpty(ns) ? $"{root}/namespaces/{Uri.EscapeDataString(ns)}/{Plural}" : $"{root}/{Plural}";
    }

    /// <summary>The path of one object.</summary>
    public string ObjectPath(string? ns, string name) => $"{CollectionPath(ns)}/{Uri.EscapeDataString(name)}";

    public static ApiResource For(KindInfo kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        return new(Api.ApiGroup.Group, Api.ApiGroup.Version, kind.Plural, kind.Kind);
    }

    public static readonly ApiResource Pods = new("", "v1", "pods", "Pod");
    public static readonly ApiResource ConfigMaps = new("", "v1", "configmaps", "ConfigMap");
    public static readonly ApiResource Secrets = new("", "v1", "secrets", "Secret");
    public static readonly ApiResource ServiceAccounts = new("", "v1", "serviceaccounts", "ServiceAccount");
    public static readonly ApiResource Services = new("", "v1", "services", "Service");
    public static readonly ApiResource PersistentVolumeClaims = new("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim");
    public static readonly ApiResource Nodes = new("", "v1", "nodes", "Node", Namespaced: false);
    public static readonly ApiResource Jobs = new("batch", "v1", "jobs", "Job");
    public static readonly ApiResource Deployments = new("apps", "v1", "deployments", "Deployment");
    public static readonly ApiResource Leases = new("coordination.k8s.io", "v1", "leases", "Lease");
    public static readonly ApiResource NetworkPolicies = new("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy");
    public static readonly ApiResource Events = new("", "v1", "events", "Event");
    public static readonly ApiResource Gateways = new("gateway.networking.k8s.io", "v1", "gateways", "Gateway");
    public static readonly ApiResource GatewayClasses = new("gateway.networking.k8s.io", "v1", "gatewayclasses", "GatewayClass", Namespaced: false);
    public static readonly ApiResource HttpRoutes = new("gateway.networking.k8s.io", "v1", "httproutes", "HTTPRoute");
    public static readonly ApiResource Roles = new("rbac.authorization.k8s.io", "v1", "roles", "Role");
    public static readonly ApiResource RoleBindings = new("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding");
    public static readonly ApiResource ClusterRoles = new("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", Namespaced: false);
    public static readonly ApiResource ClusterRoleBindings = new("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", Namespaced: false);
}
