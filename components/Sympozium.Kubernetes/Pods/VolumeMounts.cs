using k8s.Models;

namespace Sympozium.Kubernetes.Pods;

/// <summary>Volume mounts of the containers we build.</summary>
public static class VolumeMounts
{
    /// <summary>Mounts <paramref name="volume"/> at <paramref name="path"/>; readOnly is written only when true.</summary>
    public static V1VolumeMount Of(string volume, string path, bool readOnly = false) =>
        new() { Name = volume, MountPath = path, ReadOnlyProperty = readOnly ? true : null };
}
