using k8s.Models;
using Sympozium.Api.Meta;

namespace Sympozium.Controller;

/// <summary>
/// What the informers drop before caching an object (client-go's TransformFunc): nothing a
/// reconciler reads, only what costs memory for every cached run, Job and pod.
/// </summary>
public static class CacheTransforms
{
    /// <summary>managedFields: server-side-apply bookkeeping no reconciler reads.</summary>
    public static T Ours<T>(T obj)
        where T : class, IKubernetesObject
    {
        ArgumentNullException.ThrowIfNull(obj);
        obj.Metadata.Extra?.Remove("managedFields");
        return obj;
    }

    /// <summary>managedFields of a built-in kind.</summary>
    public static T BuiltIn<T>(T obj)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        ArgumentNullException.ThrowIfNull(obj);
        obj.Metadata.ManagedFields = null;
        return obj;
    }

    /// <summary>
    /// A Job as the run reconciler follows it: metadata, status and the deadline. The pod template
    /// (every container, variable and volume of the run) is what the controller built itself and
    /// never reads back.
    /// </summary>
    public static V1Job Job(V1Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        BuiltIn(job);
        if (job.Spec is { } spec)
        {
            spec.Template = new V1PodTemplateSpec();
        }

        return job;
    }

    /// <summary>An agent pod as the run reconciler follows it: metadata and status (container states); the spec is the Job's template.</summary>
    public static V1Pod Pod(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        BuiltIn(pod);
        if (pod.Spec is { } spec)
        {
            pod.Spec = new V1PodSpec { Containers = [], NodeName = spec.NodeName };
        }

        return pod;
    }
}
