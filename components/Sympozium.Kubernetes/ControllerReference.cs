using k8s.Models;
using Sympozium.Api.Meta;

namespace Sympozium.Kubernetes;

/// <summary>
/// The owner reference that makes an object a child of one of our resources, like
/// controller-runtime's <c>SetControllerReference</c>: garbage collection deletes the child with
/// its owner, and foreground deletion of the owner waits for it.
/// </summary>
public static class ControllerReference
{
    /// <summary>A controller reference to <paramref name="owner"/> (controller and blockOwnerDeletion true).</summary>
    public static V1OwnerReference For(IKubernetesObject owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return new V1OwnerReference
        {
            ApiVersion = owner.ApiVersion,
            Kind = owner.Kind,
            Name = owner.Metadata.Name,
            Uid = owner.Metadata.Uid ?? "",
            Controller = true,
            BlockOwnerDeletion = true,
        };
    }
}
