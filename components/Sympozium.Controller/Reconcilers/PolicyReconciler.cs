using System.Text.Json.Nodes;
using Sympozium.Kubernetes;
using Sympozium.Kubernetes.Reconcile;

namespace Sympozium.Controller.Reconcilers;

/// <summary>
/// SympoziumPolicy status: how many instances of its namespace reference it. Unlike upstream, the
/// controller also reconciles a policy when an instance changes, so the count stays current.
/// </summary>
public sealed class PolicyReconciler(Clients clients) : IReconciler<ObjectKey>
{
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var policy = await clients.Policies.GetAsync(key.Namespace, key.Name, cancellationToken).ConfigureAwait(false);
        if (policy is null || policy.Metadata.DeletionTimestamp is not null)
        {
            return ReconcileResult.Done;
        }

        var instances = await clients.Instances.ListAsync(key.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        var bound = instances.Items.Count(i => i.Spec.PolicyRef == key.Name && i.Metadata.DeletionTimestamp is null);
        if (policy.Status?.BoundInstances != bound)
        {
            var patch = new JsonObject { ["status"] = new JsonObject { ["boundInstances"] = bound } };
            await clients.Policies.MergePatchAsync(key.Namespace, key.Name, patch.ToJsonString(), status: true, cancellationToken).ConfigureAwait(false);
        }

        return ReconcileResult.Done;
    }
}
