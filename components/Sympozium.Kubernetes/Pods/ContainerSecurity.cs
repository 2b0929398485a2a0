using k8s.Models;

namespace Sympozium.Kubernetes.Pods;

/// <summary>Security contexts of the containers we build.</summary>
public static class ContainerSecurity
{
    /// <summary>
    /// The restricted context every container of ours runs with unless a policy allows host
    /// access: read-only root filesystem, no privilege escalation, every capability dropped (the
    /// Pod Security "restricted" profile's container part). With <paramref name="runAsNonRoot"/>
    /// the container also states it runs as non-root (for images whose user the pod does not set).
    /// A new object each call: callers may add to it.
    /// </summary>
    public static V1SecurityContext Restricted(bool runAsNonRoot = false) => new()
    {
        RunAsNonRoot = runAsNonRoot ? true : null,
        ReadOnlyRootFilesystem = true,
        AllowPrivilegeEscalation = false,
        Capabilities = new V1Capabilities { Drop = ["ALL"] },
    };
}
