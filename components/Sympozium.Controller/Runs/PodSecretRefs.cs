using k8s.Models;

namespace Sympozium.Controller.Runs;

/// <summary>One Secret (and key) a pod cannot start without.</summary>
/// <param name="Container">The container that reads it.</param>
/// <param name="Secret">The Secret's name.</param>
/// <param name="Key">The key read (secretKeyRef); null when the whole Secret is loaded.</param>
/// <param name="Variable">The environment variable it fills (secretKeyRef); null otherwise.</param>
public sealed record SecretUse(string Container, string Secret, string? Key, string? Variable);

/// <summary>
/// The Secrets a pod spec's containers read into their environment: non-optional <c>envFrom</c>
/// and <c>secretKeyRef</c> references (the user's: the model's auth Secret, a sidecar's keys). A
/// missing one leaves the pod in CreateContainerConfigError until someone looks, so the controller
/// checks them before it creates the Job (docs/design/agent-runs.md#secrets-the-pod-needs).
/// Secret volumes are not listed: the controller creates the ones it mounts for the run itself
/// (bus credentials), and the skill Secrets are optional.
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

        return uses;
    }
}
