namespace Sympozium.Api.Validation;

/// <summary>Where a judged rule would be granted: a Role in the run's namespace or a ClusterRole.</summary>
public enum RbacScope
{
    /// <summary>A Role and RoleBinding in the run's namespace (<c>spec.sidecar.rbac</c>, <c>lifecycle.rbac</c>).</summary>
    Namespaced,

    /// <summary>A ClusterRole and ClusterRoleBinding (<c>spec.sidecar.clusterRBAC</c>).</summary>
    Cluster,
}
