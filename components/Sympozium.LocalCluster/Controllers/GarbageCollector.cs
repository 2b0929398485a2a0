using System.Text.Json.Nodes;
using Sympozium.LocalCluster.Storage;

namespace Sympozium.LocalCluster.Controllers;

/// <summary>
/// The garbage collector: deletes dependents whose owners (matched by uid) are all gone, deletes
/// in foreground the dependents of owners marked with the foregroundDeletion finalizer and drops
/// that finalizer once no dependent with blockOwnerDeletion remains, and removes dangling owner
/// references from dependents that still have a live owner. A namespaced dependent may have a
/// cluster-scoped owner or one in its own namespace; a cluster-scoped dependent only a
/// cluster-scoped owner (any other reference counts as absent, as in Kubernetes).
/// </summary>
internal sealed class GarbageCollector(ObjectStore store)
{
    private sealed record Entry(string Resource, JsonObject Object);

    public void Collect()
    {
        var all = new List<Entry>();
        foreach (var resource in store.Resources())
        {
            all.AddRange(store.All(resource).Select(o => new Entry(resource, o.Object)));
        }

        var byUid = new Dictionary<string, Entry>(StringComparer.Ordinal);
        foreach (var entry in all)
        {
            byUid[Objects.Uid(entry.Object)] = entry;
        }

        var blocking = new HashSet<string>(StringComparer.Ordinal); // owner uids with a blocking dependent
        foreach (var entry in all)
        {
            var refs = Objects.OwnerReferences(entry.Object).ToList();
            if (refs.Count == 0)
            {
                continue;
            }

            var ns = ObjectMetadata.Namespace(entry.Object);
            var solid = new List<string>();
            var waiting = new List<string>();
            var dangling = new List<string>();
            foreach (var reference in refs)
            {
                var uid = reference["uid"]?.GetValue<string>() ?? "";
                if (!byUid.TryGetValue(uid, out var owner) || !ValidOwner(ns, ObjectMetadata.Namespace(owner.Object)))
                {
                    dangling.Add(uid);
                    continue;
                }

                if (reference["blockOwnerDeletion"]?.GetValue<bool>() == true)
                {
                    blocking.Add(uid);
                }

                if (Objects.Deleting(owner.Object) && ObjectMetadata.Finalizers(owner.Object).Contains(Deletion.ForegroundFinalizer))
                {
                    waiting.Add(uid);
                }
                else
                {
                    solid.Add(uid);
                }
            }

            try
            {
                if (solid.Count > 0)
                {
                    if (dangling.Count > 0)
                    {
                        Deletion.RemoveOwnerReferences(store, entry.Resource, entry.Object, dangling);
                    }
                }
                else if (!Objects.Deleting(entry.Object))
                {
                    var policy = waiting.Count > 0 ? Propagation.Foreground : Propagation.Background;
                    Deletion.Delete(store, entry.Resource, ns, ObjectMetadata.Name(entry.Object), null, policy, null);
                }
            }
            catch (StoreException)
            {
                // Changed or gone meanwhile: the next pass sees the new state.
            }
        }

        foreach (var entry in all)
        {
            var obj = entry.Object;
            if (!Objects.Deleting(obj) || !ObjectMetadata.Finalizers(obj).Contains(Deletion.ForegroundFinalizer)
                || blocking.Contains(Objects.Uid(obj)))
            {
                continue;
            }

            var copy = obj.DeepClone().AsObject();
            ObjectMetadata.Meta(copy)["finalizers"] = new JsonArray([.. ObjectMetadata.Finalizers(copy)
                .Where(f => f != Deletion.ForegroundFinalizer).Select(f => (JsonNode)JsonValue.Create(f))]);
            try
            {
                store.Update(entry.Resource, copy, UpdateMode.All);
            }
            catch (StoreException)
            {
            }
        }
    }

    private static bool ValidOwner(string? dependentNamespace, string? ownerNamespace) =>
        ownerNamespace is null || ownerNamespace == dependentNamespace;

    /// <summary>
    /// Pod GC: force-deletes pods bound to a Node that does not exist, and pods still marked 10 s
    /// after their deletionTimestamp (nobody — no kubelet — finished their graceful deletion).
    /// </summary>
    public void CollectPods(DateTimeOffset now)
    {
        var nodes = store.All("nodes").Select(n => ObjectMetadata.Name(n.Object)).ToHashSet(StringComparer.Ordinal);
        foreach (var (_, pod) in store.All("pods"))
        {
            var node = pod["spec"]?["nodeName"]?.GetValue<string>();
            var overdue = Objects.Deleting(pod) && ObjectMetadata.Finalizers(pod).Count == 0
                && Objects.ParseTime(pod["metadata"]?["deletionTimestamp"]) is { } deadline && now >= deadline.AddSeconds(10);
            var orphaned = !string.IsNullOrEmpty(node) && !nodes.Contains(node);
            if (!overdue && !orphaned)
            {
                continue;
            }

            try
            {
                store.Delete("pods", ObjectMetadata.Namespace(pod), ObjectMetadata.Name(pod));
            }
            catch (StoreException)
            {
            }
        }
    }
}
