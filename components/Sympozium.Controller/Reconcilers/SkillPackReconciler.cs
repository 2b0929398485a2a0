using System.Text.Json.Nodes;
using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;
using Sympozium.Controller.Builders;
using Sympozium.Kubernetes;
using Sympozium.Kubernetes.Reconcile;

namespace Sympozium.Controller.Reconcilers;

/// <summary>
/// SkillPack → ConfigMap of skill documents (control-plane.md §2.3): converge the ConfigMap's
/// data and labels, record status, and delete the ConfigMap when the pack is deleted.
/// </summary>
public sealed class SkillPackReconciler(Clients clients) : IReconciler<ObjectKey>
{
    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var pack = await clients.SkillPacks.GetAsync(key.Namespace, key.Name, cancellationToken).ConfigureAwait(false);
        if (pack is null)
        {
            return ReconcileResult.Done;
        }

        var finalizers = pack.Metadata.Finalizers ?? [];
        if (pack.Metadata.DeletionTimestamp is not null)
        {
            if (finalizers.Contains(Finalizers.SkillPack))
            {
                await clients.ConfigMaps.DeleteAsync(key.Namespace, key.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
                await SetFinalizersAsync(key, pack, [.. finalizers.Where(f => f != Finalizers.SkillPack)], cancellationToken).ConfigureAwait(false);
            }

            return ReconcileResult.Done;
        }

        if (!finalizers.Contains(Finalizers.SkillPack))
        {
            await SetFinalizersAsync(key, pack, [.. finalizers, Finalizers.SkillPack], cancellationToken).ConfigureAwait(false);
        }

        var desired = SkillPackConfigMapBuilder.Build(pack);
        var current = await clients.ConfigMaps.GetAsync(key.Namespace, key.Name, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            await clients.ConfigMaps.CreateAsync(key.Namespace, desired, cancellationToken).ConfigureAwait(false);
        }
        else if (!SameData(current.Data, desired.Data) || !Contains(current.Metadata.Labels, desired.Metadata.Labels))
        {
            current.Data = desired.Data;
            current.Metadata.Labels = Merge(current.Metadata.Labels, desired.Metadata.Labels);
            await clients.ConfigMaps.ReplaceAsync(key.Namespace, key.Name, current, cancellationToken).ConfigureAwait(false);
        }

        var status = pack.Status;
        if (status?.Phase != "Ready" || status.ConfigMapName != key.Name || status.SkillCount != pack.Spec.Skills.Count)
        {
            var patch = new JsonObject
            {
                ["status"] = new JsonObject { ["phase"] = "Ready", ["configMapName"] = key.Name, ["skillCount"] = pack.Spec.Skills.Count },
            };
            await clients.SkillPacks.MergePatchAsync(key.Namespace, key.Name, patch.ToJsonString(), status: true, cancellationToken).ConfigureAwait(false);
        }

        return ReconcileResult.Done;
    }

    private Task<SkillPack> SetFinalizersAsync(ObjectKey key, SkillPack pack, List<string> finalizers, CancellationToken cancellationToken)
    {
        // A JSON patch with a resourceVersion test: a concurrent change makes this a conflict and the key is retried.
        var patch = new JsonArray(
            (JsonNode)new JsonObject { ["op"] = "test", ["path"] = "/metadata/resourceVersion", ["value"] = pack.Metadata.ResourceVersion },
            (JsonNode)new JsonObject { ["op"] = "add", ["path"] = "/metadata/finalizers", ["value"] = new JsonArray([.. finalizers.Select(f => (JsonNode)JsonValue.Create(f)!)]) });
        return clients.SkillPacks.JsonPatchAsync(key.Namespace, key.Name, patch.ToJsonString(), cancellationToken);
    }

    private static bool SameData(IDictionary<string, string>? a, IDictionary<string, string>? b) =>
        (a?.Count ?? 0) == (b?.Count ?? 0) && (a ?? new Dictionary<string, string>()).All(e => b is not null && b.TryGetValue(e.Key, out var v) && v == e.Value);

    private static bool Contains(IDictionary<string, string>? actual, IDictionary<string, string>? wanted) =>
        (wanted ?? new Dictionary<string, string>()).All(e => actual is not null && actual.TryGetValue(e.Key, out var v) && v == e.Value);

    private static Dictionary<string, string> Merge(IDictionary<string, string>? a, IDictionary<string, string>? b)
    {
        var merged = new Dictionary<string, string>(a ?? new Dictionary<string, string>());
        foreach (var (k, v) in b ?? new Dictionary<string, string>())
        {
            merged[k] = v;
        }

        return merged;
    }
}
