using System.Globalization;
using System.Text.Json.Nodes;
using Sympozium.LocalCluster.Storage;

namespace Sympozium.LocalCluster.Controllers;

/// <summary>apps/v1 ReplicaSets: spec.replicas pods from the template, status counts (ready = available; minReadySeconds ignored).</summary>
internal sealed class ReplicaSetController(ObjectStore store)
{
    public const string Resource = "replicasets.apps";

    public void Reconcile(ILookup<string, JsonObject> podsByController)
    {
        foreach (var (_, rs) in store.All(Resource))
        {
            try
            {
                Sync(rs, podsByController[Objects.Uid(rs)].ToList());
            }
            catch (StoreException)
            {
            }
        }
    }

    private void Sync(JsonObject rs, List<JsonObject> pods)
    {
        if (Objects.Deleting(rs))
        {
            return;
        }

        var want = Objects.Long(rs["spec"]?["replicas"], 1);
        var active = pods.Where(Objects.Active).ToList();
        for (var i = active.Count; i < want; i++)
        {
            var template = rs["spec"]?["template"];
            active.Add(store.Create("pods", Objects.PodFromTemplate(template, ObjectMetadata.Namespace(rs)!, ObjectMetadata.Name(rs) + "-",
                Objects.Labels(template), Objects.ControllerReference(rs, "apps/v1", "ReplicaSet"))));
        }

        if (active.Count > want)
        {
            // As Kubernetes ranks them: unscheduled, then pending, then not ready, then the newest first.
            var victims = active
                .OrderBy(p => string.IsNullOrEmpty(p["spec"]?["nodeName"]?.GetValue<string>()) ? 0 : 1)
                .ThenBy(p => Objects.Phase(p) == "Pending" ? 0 : 1)
                .ThenBy(p => Objects.Ready(p) ? 1 : 0)
                .ThenByDescending(ObjectMetadata.ResourceVersion)
                .Take((int)(active.Count - want)).ToList();
            foreach (var pod in victims)
            {
                try
                {
                    Deletion.Delete(store, "pods", ObjectMetadata.Namespace(pod), ObjectMetadata.Name(pod), null, Propagation.Background, null);
                }
                catch (StoreException e) when (e.Kind == StoreErrorKind.NotFound)
                {
                }
            }

            active.RemoveAll(victims.Contains);
        }

        var ready = active.Count(Objects.Ready);
        var status = new JsonObject
        {
            ["replicas"] = active.Count,
            ["fullyLabeledReplicas"] = active.Count,
            ["readyReplicas"] = ready,
            ["availableReplicas"] = ready,
            ["observedGeneration"] = Objects.Long(rs["metadata"]?["generation"], 1),
        };
        if (JsonNode.DeepEquals(rs["status"], status))
        {
            return;
        }

        var copy = rs.DeepClone().AsObject();
        copy["status"] = status;
        store.Update(Resource, copy, UpdateMode.StatusOnly);
    }
}

/// <summary>
/// apps/v1 Deployments through ReplicaSets named &lt;deployment&gt;-&lt;pod-template-hash&gt;, as
/// Kubernetes does (so kubectl rollout status works): scale, Recreate (old ReplicaSets to zero,
/// then the new one up once their pods are gone) and a simple RollingUpdate (the new ReplicaSet
/// at full size, old ones to zero once it is available), status counts, observedGeneration,
/// Available and Progressing conditions, the revision annotation. Simplifications: no
/// maxSurge/maxUnavailable pacing, no progressDeadlineSeconds, no paused, no history pruning.
/// </summary>
internal sealed class DeploymentController(ObjectStore store, TimeProvider time)
{
    public const string Resource = "deployments.apps";
    private const string RevisionAnnotation = "deployment.kubernetes.io/revision";

    public void Reconcile(ILookup<string, JsonObject> replicaSetsByController)
    {
        foreach (var (_, deployment) in store.All(Resource))
        {
            try
            {
                Sync(deployment, replicaSetsByController[Objects.Uid(deployment)].ToList());
            }
            catch (StoreException)
            {
            }
        }
    }

    private void Sync(JsonObject deployment, List<JsonObject> replicaSets)
    {
        if (Objects.Deleting(deployment))
        {
            return;
        }

        var spec = deployment["spec"] as JsonObject ?? new JsonObject();
        var desired = Objects.Long(spec["replicas"], 1);
        var template = spec["template"]?.DeepClone() as JsonObject ?? new JsonObject();
        var hash = Objects.TemplateHash(template);
        var name = $"{ObjectMetadata.Name(deployment)}-{hash}";
        var current = replicaSets.FirstOrDefault(r => ObjectMetadata.Name(r) == name);
        var old = replicaSets.Where(r => r != current && !Objects.Deleting(r)).ToList();
        var maxRevision = replicaSets.Select(r => long.TryParse(ObjectMetadata.StringMap(r, "annotations").GetValueOrDefault(RevisionAnnotation),
            CultureInfo.InvariantCulture, out var n) ? n : 0).DefaultIfEmpty(0).Max();
        var recreate = spec["strategy"]?["type"]?.GetValue<string>() == "Recreate";
        var oldPodsLeft = old.Sum(r => Objects.Long(r["status"]?["replicas"], 0));
        var newReplicas = recreate && oldPodsLeft > 0 ? 0 : desired;
        if (current is null)
        {
            current = store.Create(ReplicaSetController.Resource, NewReplicaSet(deployment, template, hash, name, newReplicas, maxRevision + 1));
            maxRevision++;
        }
        else
        {
            Scale(current, newReplicas, desired);
        }

        var newAvailable = Objects.Long(current["status"]?["availableReplicas"], 0);
        foreach (var rs in old)
        {
            if (recreate || newAvailable >= desired)
            {
                Scale(rs, 0, desired);
            }
        }

        var all = old.Append(current).ToList();
        var replicas = all.Sum(r => Objects.Long(r["status"]?["replicas"], 0));
        var updated = Objects.Long(current["status"]?["replicas"], 0);
        var ready = all.Sum(r => Objects.Long(r["status"]?["readyReplicas"], 0));
        var available = all.Sum(r => Objects.Long(r["status"]?["availableReplicas"], 0));
        var stamp = Objects.Timestamp(time.GetUtcNow());
        var status = deployment["status"]?.DeepClone() as JsonObject ?? new JsonObject();
        status["observedGeneration"] = Objects.Long(deployment["metadata"]?["generation"], 1);
        Count(status, "replicas", replicas);
        Count(status, "updatedReplicas", updated);
        Count(status, "readyReplicas", ready);
        Count(status, "availableReplicas", available);
        Count(status, "unavailableReplicas", Math.Max(0, desired - available));
        var maxUnavailable = recreate ? 0 : MaxUnavailable(spec, desired);
        if (available >= desired - maxUnavailable)
        {
            Objects.SetCondition(status, "Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", stamp, withUpdateTime: true);
        }
        else
        {
            Objects.SetCondition(status, "Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", stamp, withUpdateTime: true);
        }

        var done = updated == desired && replicas == desired && available >= desired;
        Objects.SetCondition(status, "Progressing", "True", done ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
            done ? $"ReplicaSet \"{name}\" has successfully progressed." : $"ReplicaSet \"{name}\" is progressing.", stamp, withUpdateTime: true);

        var revision = ObjectMetadata.StringMap(current, "annotations").GetValueOrDefault(RevisionAnnotation) ?? "1";
        if (ObjectMetadata.StringMap(deployment, "annotations").GetValueOrDefault(RevisionAnnotation) != revision)
        {
            var copy = deployment.DeepClone().AsObject();
            var meta = ObjectMetadata.Meta(copy);
            if (meta["annotations"] is not JsonObject annotations)
            {
                annotations = new JsonObject();
                meta["annotations"] = annotations;
            }

            annotations[RevisionAnnotation] = revision;
            deployment = store.Update(Resource, copy, UpdateMode.PreserveStatus);
        }

        if (!JsonNode.DeepEquals(deployment["status"], status))
        {
            var copy = deployment.DeepClone().AsObject();
            copy["status"] = status;
            store.Update(Resource, copy, UpdateMode.StatusOnly);
        }
    }

    private static long MaxUnavailable(JsonObject spec, long desired)
    {
        var value = spec["strategy"]?["rollingUpdate"]?["maxUnavailable"];
        if (value is JsonValue v && v.TryGetValue<string>(out var text) && text.EndsWith('%')
            && long.TryParse(text[..^1], CultureInfo.InvariantCulture, out var percent))
        {
            return desired * percent / 100;
        }

        return value is null ? desired * 25 / 100 : Objects.Long(value, 0);
    }

    private void Scale(JsonObject rs, long replicas, long desired)
    {
        var annotations = ObjectMetadata.StringMap(rs, "annotations");
        var wanted = desired.ToString(CultureInfo.InvariantCulture);
        if (Objects.Long(rs["spec"]?["replicas"], 1) == replicas && annotations.GetValueOrDefault("deployment.kubernetes.io/desired-replicas") == wanted)
        {
            return;
        }

        var copy = rs.DeepClone().AsObject();
        copy["spec"]!["replicas"] = replicas;
        if (ObjectMetadata.Meta(copy)["annotations"] is JsonObject a)
        {
            a["deployment.kubernetes.io/desired-replicas"] = wanted;
        }

        store.Update(ReplicaSetController.Resource, copy, UpdateMode.PreserveStatus);
    }

    private static JsonObject NewReplicaSet(JsonObject deployment, JsonObject template, string hash, string name, long replicas, long revision)
    {
        var labels = Objects.Labels(template);
        labels["pod-template-hash"] = hash;
        ObjectMetadata.Meta(template)["labels"] = labels.DeepClone();
        var selector = deployment["spec"]?["selector"]?.DeepClone() as JsonObject
            ?? new JsonObject { ["matchLabels"] = Objects.Labels(deployment["spec"]?["template"]) };
        if (selector["matchLabels"] is not JsonObject matchLabels)
        {
            matchLabels = new JsonObject();
            selector["matchLabels"] = matchLabels;
        }

        matchLabels["pod-template-hash"] = hash;
        var desired = Objects.Long(deployment["spec"]?["replicas"], 1).ToString(CultureInfo.InvariantCulture);
        return new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "ReplicaSet",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = ObjectMetadata.Namespace(deployment),
                ["labels"] = labels,
                ["annotations"] = new JsonObject
                {
                    [RevisionAnnotation] = revision.ToString(CultureInfo.InvariantCulture),
                    ["deployment.kubernetes.io/desired-replicas"] = desired,
                    ["deployment.kubernetes.io/max-replicas"] = desired,
                },
                ["ownerReferences"] = new JsonArray(Objects.ControllerReference(deployment, "apps/v1", "Deployment")),
            },
            ["spec"] = new JsonObject { ["replicas"] = replicas, ["selector"] = selector, ["template"] = template },
        };
    }

    private static void Count(JsonObject status, string field, long value)
    {
        if (value > 0)
        {
            status[field] = value;
        }
        else
        {
            status.Remove(field);
        }
    }
}
