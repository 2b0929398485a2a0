using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Kubernetes.Client;

namespace Sympozium.Controller.Reconcilers;

/// <summary>The latest admission denials, from the Events the webhook writes on the policy.</summary>
public sealed partial class PolicyReconciler
{
    /// <summary>The Event reason the webhook uses for a denial.</summary>
    public const string DenialReason = "AdmissionDenied";

    /// <summary>How many denials the status keeps.</summary>
    public const int RecentDenialLimit = 10;

    private async Task<List<PolicyDenial>> RecentDenialsAsync(SympoziumPolicy policy, CancellationToken cancellationToken)
    {
        var events = new ResourceClient<Corev1Event>(clients.Connection, ApiResource.Events, ResourceSerializer.FromTypeInfo(KubernetesModelsJsonContext.Default.Corev1Event));
        var list = await events.ListAsync(policy.Metadata.Namespace,
            fieldSelector: $"involvedObject.kind={policy.Kind},involvedObject.name={policy.Metadata.Name},reason={DenialReason}",
            cancellationToken: cancellationToken).ConfigureAwait(false);
        return list.Items
            .Where(e => e.Reason == DenialReason && e.InvolvedObject?.Name == policy.Metadata.Name && e.InvolvedObject?.Kind == policy.Kind)
            .Select(e => (Time: e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp ?? e.Metadata.CreationTimestamp, Event: e))
            .OrderByDescending(e => e.Time)
            .ThenByDescending(e => e.Event.Metadata.Name, StringComparer.Ordinal)
            .Take(RecentDenialLimit)
            .Select(e => new PolicyDenial
            {
                Time = e.Time is { } t ? new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)) : null,
                Object = e.Event.Related is { } related ? $"{related.Kind} {related.NamespaceProperty}/{related.Name}" : null,
                Message = e.Event.Message,
            })
            .ToList();
    }
}
