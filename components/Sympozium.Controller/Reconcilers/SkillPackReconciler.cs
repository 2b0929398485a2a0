using System.Text.Json.Nodes;
using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;
using Sympozium.Controller.Builders;
using Sympozium.Kubernetes;
using Sympozium.Kubernetes.Client;
using Sympozium.Kubernetes.Reconcile;

namespace Sympozium.Controller.Reconcilers;

/// <summary>
/// SkillPack → ConfigMap of skill documents (docs/design/instances.md#skillpack-configmaps):
/// converge the ConfigMap's data and labels, record status, and delete the ConfigMap when the pack
/// is deleted.
/// </summary>
/// <param name="reader">Where SkillPacks are read (the manager's cache; live by default).</param>
public sealed class SkillPackReconciler(Clients clients, ClusterReader? reader = null) : IReconciler<ObjectKey>
{
    private readonly ClusterReader _read = reader ?? ClusterReader.Live(clients);

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var pack = await _read.SkillPacks.GetAsync(key.Namespace, key.Name, cancellationToken).ConfigureAwait(false);
        if (pack is null)
        {
            return ReconcileResult.Done;
        }

        // Deleted: its ConfigMap goes with it.
        if (await Finalizer.ReconcileAsync(clients.SkillPacks, pack, Finalizers.SkillPack, ct => clients.ConfigMaps.DeleteAsync(key.Namespace, key.Name, cancellationToken: ct), cancellationToken).ConfigureAwait(false) is null)
        {
            return ReconcileResult.Done;
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
            // Status only, recomputed on every pass: not read back.
            await clients.SkillPacks.MergePatchAsync(key.Namespace, key.Name, patch.ToJsonString(), status: true, cancellationToken).ConfigureAwait(false);
        }

        return ReconcileResult.Done;
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
