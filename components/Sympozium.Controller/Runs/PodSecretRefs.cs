using k8s.Models;

namespace Sympozium.Controller.Runs;

/// <summary>One Secret (and key) a pod cannot start without.</summary>
/// <param name="Container">The container that reads it; null for a volume.</param>
/// <param name="Secret">The Secret's name.</param>
/// <param name="Key">The key read (secretKeyRef); null when the whole Secret is loaded.</param>
/// <param name="Variable">The environment variable it fills (secretKeyRef); null otherwise.</param>
public sealed record SecretUse(string? Container, string Secret, string? Key, string? Variable);

/// <summary>
/// The Secrets a pod spec needs before any container can start: non-optional <c>envFrom</c> and
/// <c>secretKeyRef</c> references and non-optional secret volumes. A missing one leaves the pod in
/// CreateContainerConfigError (or ContainerCreating) until someone looks, so the controller checks
/// them before it creates the Job (docs/design/agent-runs.md#pending).
/// </summary>
public static class PodSecretRefs
{
    public static IReadOnlyList<SecretUse> Required(V1PodSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var uses = new List<SecretUse>();
        foreach (var container in (spec.InitContainers ?? []).Concat(spec.Containers ?? []))
        {
            foreach (var source in container.EnvFrom ?? [])
            {
                if (source.SecretRef is { Name.Length: > 0 } secret && secret.Optional != true)
                {
                    uses.Add(new SecretUse(container.Name, secret.Name, null, null));
                }
            }

            foreach (var variable in container.Env ?? [])
            {
                if (variable.ValueFrom?.SecretKeyRef is { Name.Length: > 0 } reference && reference.Optional != true)
                {
                    uses.Add(new SecretUse(container.Name, reference.Name, reference.Key, variable.Name));
                }
            }
        }

        foreach (var volume in spec.Volumes ?? [])
        {
            if (volume.Secret is { SecretName.Length: > 0 } secret && secret.Optional != true)
            {
                uses.Add(new SecretUse(null, secret.SecretName, null, null));
            }

            foreach (var projection in volume.Projected?.Sources ?? [])
            {
                if (projection.Secret is { Name.Length: > 0 } projected && projected.Optional != true)
                {
                    uses.Add(new SecretUse(null, projected.Name, null, null));
                }
            }
        }

        return uses;
    }
}
