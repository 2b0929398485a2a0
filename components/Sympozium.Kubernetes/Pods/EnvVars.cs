using k8s.Models;

namespace Sympozium.Kubernetes.Pods;

/// <summary>Environment variables of the containers we build.</summary>
public static class EnvVars
{
    /// <summary>A literal value; null becomes "" so the variable is always present.</summary>
    public static V1EnvVar Value(string name, string? value) => new() { Name = name, Value = value ?? "" };

    /// <summary>A field of the pod, through the downward API (e.g. <c>status.podIP</c>).</summary>
    public static V1EnvVar FromField(string name, string fieldPath) =>
        new() { Name = name, ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = fieldPath } } };

    /// <summary>A key of a Secret (<paramref name="optional"/>: the container starts without it).</summary>
    public static V1EnvVar FromSecret(string name, string secret, string key, bool? optional = null) =>
        new() { Name = name, ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = secret, Key = key, Optional = optional } } };
}
