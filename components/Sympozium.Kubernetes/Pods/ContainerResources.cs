using k8s.Models;

namespace Sympozium.Kubernetes.Pods;

/// <summary>Resource requests and limits of the containers we build.</summary>
public static class ContainerResources
{
    /// <summary>CPU and memory requests and limits (quantities as Kubernetes writes them: "100m", "128Mi").</summary>
    public static V1ResourceRequirements Bounded(string cpuRequest, string memoryRequest, string cpuLimit, string memoryLimit) => new()
    {
        Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpuRequest), ["memory"] = new(memoryRequest) },
        Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpuLimit), ["memory"] = new(memoryLimit) },
    };
}
