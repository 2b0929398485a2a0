using k8s.Models;
using Sympozium.Api.Meta;

namespace Sympozium.Kubernetes.Pods;

/// <summary>Image pull Secrets of the pods we build.</summary>
public static class PullSecrets
{
    /// <summary>The Secrets a spec names (instance, run), or null when it names none, so the field is left out.</summary>
    public static List<V1LocalObjectReference>? From(IReadOnlyCollection<LocalObjectReference>? secrets) =>
        secrets is { Count: > 0 } ? [.. secrets.Select(s => new V1LocalObjectReference { Name = s.Name })] : null;
}
