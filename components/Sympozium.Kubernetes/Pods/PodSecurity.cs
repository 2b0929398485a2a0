using k8s.Models;

namespace Sympozium.Kubernetes.Pods;

/// <summary>Pod-level security contexts of the pods we build.</summary>
public static class PodSecurity
{
    /// <summary>The user and group our images run as (non-root; volumes are group-owned by it).</summary>
    public const long UserId = 1000;

    /// <summary>The seccomp profile of every pod unless a sandbox asks for another.</summary>
    public const string DefaultSeccompProfile = "RuntimeDefault";

    /// <summary>Non-root as user and fsGroup <see cref="UserId"/>, with a seccomp profile (default: RuntimeDefault).</summary>
    public static V1PodSecurityContext NonRoot(string seccompProfile = DefaultSeccompProfile) => new()
    {
        RunAsNonRoot = true,
        RunAsUser = UserId,
        FsGroup = UserId,
        SeccompProfile = new V1SeccompProfile { Type = seccompProfile },
    };
}
