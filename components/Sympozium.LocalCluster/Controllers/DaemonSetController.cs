using System.Text.Json.Nodes;
using Sympozium.LocalCluster.Storage;

namespace Sympozium.LocalCluster.Controllers;

/// <summary>
/// apps/v1 DaemonSets: one pod per Node that matches the template's nodeSelector and required
/// node affinity, bound with spec.nodeName; pods on nodes that no longer match are deleted, and
/// pods of an older template (label controller-revision-hash) replaced. Status desired, current,
/// misscheduled, ready, updated, available, unavailable, observedGeneration. Taints and
/// tolerations are not considered (local nodes have none).
/// </summary>
internal sealed class DaemonSetController(ObjectStore store)
{
    public const string Resource = "daemonsets.apps";
    private const string HashLabel = "controller-revision-hash";

    public void Reconcile(ILookup<string, JsonObject> podsByController)
    {
        var nodes = store.All("nodes").Select(n => n.Object).ToList();
        foreach (var (_, ds) in store.All(Resource))
        {
            try
            {
                Sync(ds, nodes, podsByController[Objects.Uid(ds)].ToList());
            }
            catch (StoreException)
            {
            }
        }
    }

    private void Sync(JsonObject ds, List<JsonObject> nodes, List<JsonObject> pods)
    {
        if (Objects.Deleting(ds))
        {
            return;
        }

        var template = ds["spec"]?["template"];
        var hash = Objects.TemplateHash(template);
        var matching = nodes.Where(n => Schedulable(template, n)).Select(ObjectMetadata.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var finished in pods.Where(p => Objects.Terminal(p) && !Objects.Deleting(p)))
        {
            Delete(finished); // a failed daemon pod is replaced, as Kubernetes does
        }

        var active = pods.Where(Objects.Active).ToList();
        long misscheduled = 0;
        foreach (var pod in active.ToList())
        {
            var node = pod["spec"]?["nodeName"]?.GetValue<string>() ?? "";
            var outdated = ObjectMetadata.Labels(pod).GetValueOrDefault(HashLabel) != hash;
            var duplicate = active.First(p => (p["spec"]?["nodeName"]?.GetValue<string>() ?? "") == node) != pod;
            if (!matching.Contains(node) || outdated || duplicate)
            {
                misscheduled += matching.Contains(node) ? 0 : 1;
                Delete(pod);
                active.Remove(pod);
            }
        }

        foreach (var node in matching)
        {
            if (active.Any(p => p["spec"]?["nodeName"]?.GetValue<string>() == node))
            {
                continue;
            }

            var labels = Objects.Labels(template);
            labels[HashLabel] = hash;
            labels["pod-template-generation"] = Objects.Long(ds["metadata"]?["generation"], 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var pod = Objects.PodFromTemplate(template, ObjectMetadata.Namespace(ds)!, ObjectMetadata.Name(ds) + "-", labels,
                Objects.ControllerReference(ds, "apps/v1", "DaemonSet"));
            pod["spec"]!["nodeName"] = node;
            active.Add(store.Create("pods", pod));
        }

        var ready = active.Count(Objects.Ready);
        var status = new JsonObject
        {
            ["currentNumberScheduled"] = matching.Count(n => active.Any(p => p["spec"]?["nodeName"]?.GetValue<string>() == n)),
            ["numberMisscheduled"] = misscheduled,
            ["desiredNumberScheduled"] = matching.Count,
            ["numberReady"] = ready,
            ["observedGeneration"] = Objects.Long(ds["metadata"]?["generation"], 1),
            ["updatedNumberScheduled"] = active.Count(p => ObjectMetadata.Labels(p).GetValueOrDefault(HashLabel) == hash),
            ["numberAvailable"] = ready,
        };
        if (matching.Count - ready > 0)
        {
            status["numberUnavailable"] = matching.Count - ready;
        }

        if (JsonNode.DeepEquals(ds["status"], status))
        {
            return;
        }

        var copy = ds.DeepClone().AsObject();
        copy["status"] = status;
        store.Update(Resource, copy, UpdateMode.StatusOnly);
    }

    /// <summary>nodeSelector and requiredDuringSchedulingIgnoredDuringExecution node affinity (terms ORed, expressions ANDed).</summary>
    public static bool Schedulable(JsonNode? template, JsonObject node)
    {
        var labels = ObjectMetadata.Labels(node);
        foreach (var (key, value) in template?["spec"]?["nodeSelector"] as JsonObject ?? [])
        {
            if (labels.GetValueOrDefault(key) != value?.GetValue<string>())
            {
                return false;
            }
        }

        var terms = template?["spec"]?["affinity"]?["nodeAffinity"]?["requiredDuringSchedulingIgnoredDuringExecution"]?["nodeSelectorTerms"] as JsonArray;
        if (terms is null || terms.Count == 0)
        {
            return true;
        }

        return terms.OfType<JsonObject>().Any(term =>
            (term["matchExpressions"] as JsonArray ?? []).OfType<JsonObject>()
                .All(e => Objects.ExpressionMatches(e, labels.TryGetValue(e["key"]?.GetValue<string>() ?? "", out var v) ? v : null))
            && (term["matchFields"] as JsonArray ?? []).OfType<JsonObject>()
                .All(e => e["key"]?.GetValue<string>() == "metadata.name" && Objects.ExpressionMatches(e, ObjectMetadata.Name(node))));
    }

    private void Delete(JsonObject pod)
    {
        try
        {
            Deletion.Delete(store, "pods", ObjectMetadata.Namespace(pod), ObjectMetadata.Name(pod), null, Propagation.Background, null);
        }
        catch (StoreException e) when (e.Kind == StoreErrorKind.NotFound)
        {
        }
    }
}
