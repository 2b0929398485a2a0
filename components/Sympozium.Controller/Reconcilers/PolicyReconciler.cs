using System.Text.Json;
using System.Text.Json.Nodes;
using Sympozium.Api.Kinds;
using Sympozium.Api.Serialization;
using Sympozium.Kubernetes;
using Sympozium.Kubernetes.Client;
using Sympozium.Kubernetes.Reconcile;

namespace Sympozium.Controller.Reconcilers;

/// <summary>
/// SympoziumPolicy: one NetworkPolicy per bound instance (<see cref="Builders.NetworkPolicyBuilder"/>),
/// and status — how many instances of its namespace it governs (<see cref="GoverningPolicy"/>), the NetworkPolicies made from
/// it, and the latest admission denials the webhook recorded as Events. Unlike upstream, the
/// controller also reconciles a policy when an instance changes, so the count stays current; it
/// re-checks every <see cref="Resync"/> for what it does not watch (MCP servers, SkillPacks, Events).
/// </summary>
/// <param name="reader">Where policies and instances are read (the manager's caches; live by default).</param>
public sealed partial class PolicyReconciler(Clients clients, ClusterReader? reader = null) : IReconciler<ObjectKey>
{
    private readonly ClusterReader _read = reader ?? ClusterReader.Live(clients);

    /// <summary>How often a policy is reconciled without an event.</summary>
    public static readonly TimeSpan Resync = TimeSpan.FromSeconds(30);

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var policy = await _read.Policies.GetAsync(key.Namespace, key.Name, cancellationToken).ConfigureAwait(false);
        if (policy is null || policy.Metadata.DeletionTimestamp is not null)
        {
            // Its NetworkPolicies are owned by it and go with it.
            return ReconcileResult.Done;
        }

        // Bound: the instances this policy governs by the webhook's own resolution — those naming
        // it, and, when it is the namespace's one default, those naming none.
        var instances = await _read.Instances.ListAsync(key.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        var policies = await _read.Policies.ListAsync(key.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        var bound = instances
            .Where(i => i.Metadata.DeletionTimestamp is null && GoverningPolicy.Resolve(i.Spec.PolicyRef, policies).Policy?.Metadata.Name == key.Name)
            .OrderBy(i => i.Metadata.Name, StringComparer.Ordinal)
            .ToList();
        var networkPolicies = await ReconcileNetworkPoliciesAsync(policy, bound, cancellationToken).ConfigureAwait(false);
        var denials = await RecentDenialsAsync(policy, cancellationToken).ConfigureAwait(false);

        var status = new JsonObject { ["boundInstances"] = bound.Count };
        if (!SameStrings(policy.Status?.NetworkPolicies, networkPolicies))
        {
            status["networkPolicies"] = new JsonArray([.. networkPolicies.Select(n => (JsonNode)JsonValue.Create(n))]);
        }

        if (!SameDenials(policy.Status?.RecentDenials, denials))
        {
            status["recentDenials"] = JsonSerializer.SerializeToNode(denials, SympoziumJsonContext.Default.ListPolicyDenial);
        }

        if (policy.Status?.BoundInstances != bound.Count || status.Count > 1)
        {
            var patch = new JsonObject { ["status"] = status };
            // Status only, recomputed on every pass (see InstanceReconciler.PatchStatusAsync): not read back.
            await clients.Policies.MergePatchAsync(key.Namespace, key.Name, patch.ToJsonString(), status: true, cancellationToken).ConfigureAwait(false);
        }

        return ReconcileResult.RequeueAfter(Resync);
    }

    private static bool SameStrings(List<string>? current, List<string> desired) =>
        (current ?? []).SequenceEqual(desired, StringComparer.Ordinal) && (current is not null || desired.Count == 0);

    private static bool SameDenials(List<PolicyDenial>? current, List<PolicyDenial> desired) =>
        (current ?? []).Count == desired.Count
        && (current ?? []).Zip(desired).All(p => p.First.Time == p.Second.Time && p.First.Object == p.Second.Object && p.First.Message == p.Second.Message);
}
