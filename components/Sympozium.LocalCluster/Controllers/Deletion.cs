using System.Text.Json.Nodes;
using Sympozium.LocalCluster.Storage;

namespace Sympozium.LocalCluster.Controllers;

/// <summary>DeleteOptions.propagationPolicy.</summary>
internal enum Propagation
{
    /// <summary>The owner goes at once; the garbage collector deletes its dependents afterwards.</summary>
    Background,

    /// <summary>The owner is marked (finalizer foregroundDeletion) until dependents with blockOwnerDeletion are gone.</summary>
    Foreground,

    /// <summary>Dependents lose their ownerReference to the owner and stay.</summary>
    Orphan,
}

/// <summary>
/// What a DELETE means beyond the store's removal: propagation policy (garbage collection of
/// dependents) and graceful pod deletion. Used by the HTTP layer and by the controllers.
/// </summary>
internal static class Deletion
{
    public const string ForegroundFinalizer = "foregroundDeletion";
    public const string OrphanFinalizer = "orphan";

    /// <summary>The policy when the client gives none: Orphan for batch/v1 Jobs (as Kubernetes), Background otherwise.</summary>
    public static Propagation DefaultPolicy(string resource) => resource == "jobs.batch" ? Propagation.Orphan : Propagation.Background;

    /// <summary>
    /// Deletes an object with a propagation policy. Pods bound to a node and not finished are
    /// deleted gracefully (deletionTimestamp + deletionGracePeriodSeconds; the kubelet removes
    /// them once their processes are dead, see <see cref="ObjectStore.Delete"/>); a grace
    /// period of 0 removes them at once.
    /// </summary>
    public static (JsonObject Object, bool Removed) Delete(ObjectStore store, string resource, string? ns, string name,
        DeletePreconditions? preconditions, Propagation policy, long? gracePeriodSeconds)
    {
        var existing = store.Get(resource, ns, name);
        CheckPreconditions(resource, name, existing, preconditions);
        if (policy == Propagation.Orphan)
        {
            Orphan(store, existing);
        }
        else if (policy == Propagation.Foreground && !Objects.Deleting(existing)
            && !ObjectMetadata.Finalizers(existing).Contains(ForegroundFinalizer))
        {
            var marked = existing.DeepClone().AsObject();
            var meta = ObjectMetadata.Meta(marked);
            if (meta["finalizers"] is not JsonArray finalizers)
            {
                finalizers = [];
                meta["finalizers"] = finalizers;
            }

            finalizers.Add((JsonNode)ForegroundFinalizer);
            store.Update(resource, marked, UpdateMode.All);
        }

        var grace = resource == "pods" ? PodGracePeriod(existing, gracePeriodSeconds) : 0;
        return store.Delete(resource, ns, name, null, grace);
    }

    private static long PodGracePeriod(JsonObject pod, long? requested)
    {
        if (string.IsNullOrEmpty(pod["spec"]?["nodeName"]?.GetValue<string>()) || Objects.Terminal(pod))
        {
            return 0; // never ran, or finished: nothing to stop (as the real pod strategy decides)
        }

        return Math.Max(0, requested ?? Objects.Long(pod["spec"]?["terminationGracePeriodSeconds"], 30));
    }

    private static void CheckPreconditions(string resource, string name, JsonObject existing, DeletePreconditions? preconditions)
    {
        if (preconditions?.Uid is { Length: > 0 } uid && uid != Objects.Uid(existing))
        {
            throw new StoreException(StoreErrorKind.Conflict, resource, name,
                $"Precondition failed: UID in precondition: {uid}, UID in object meta: {Objects.Uid(existing)}");
        }

        if (preconditions?.ResourceVersion is { Length: > 0 } rv && rv != ObjectMetadata.String(existing, "resourceVersion"))
        {
            throw new StoreException(StoreErrorKind.Conflict, resource, name,
                $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {ObjectMetadata.String(existing, "resourceVersion")}");
        }
    }

    /// <summary>Removes the owner's references from every dependent (what the orphan finalizer achieves, done at once).</summary>
    private static void Orphan(ObjectStore store, JsonObject owner)
    {
        var uid = Objects.Uid(owner);
        foreach (var resource in store.Resources())
        {
            foreach (var (_, dependent) in store.All(resource))
            {
                if (!Objects.OwnerReferences(dependent).Any(r => r["uid"]?.GetValue<string>() == uid))
                {
                    continue;
                }

                RemoveOwnerReferences(store, resource, dependent, [uid]);
            }
        }
    }

    /// <summary>Drops the references to the given owner uids from a dependent (no-op when it is gone).</summary>
    public static void RemoveOwnerReferences(ObjectStore store, string resource, JsonObject dependent, IReadOnlyCollection<string> uids)
    {
        var copy = dependent.DeepClone().AsObject();
        var meta = ObjectMetadata.Meta(copy);
        var kept = new JsonArray([.. Objects.OwnerReferences(copy).Where(r => !uids.Contains(r["uid"]?.GetValue<string>() ?? "")).Select(r => (JsonNode)r.DeepClone())]);
        if (kept.Count == 0)
        {
            meta.Remove("ownerReferences");
        }
        else
        {
            meta["ownerReferences"] = kept;
        }

        try
        {
            store.Update(resource, copy, UpdateMode.All);
        }
        catch (StoreException e) when (e.Kind == StoreErrorKind.NotFound)
        {
        }
    }

    /// <summary>Parses propagationPolicy / orphanDependents / gracePeriodSeconds from a DeleteOptions body and the query.</summary>
    public static (Propagation? Policy, long? GracePeriodSeconds) ParseOptions(JsonObject? body, Func<string, string?> query)
    {
        var policyText = body?["propagationPolicy"]?.GetValue<string>() ?? query("propagationPolicy");
        Propagation? policy = policyText switch
        {
            null or "" => null,
            "Background" => Propagation.Background,
            "Foreground" => Propagation.Foreground,
            "Orphan" => Propagation.Orphan,
            _ => throw new StoreException(StoreErrorKind.BadRequest, "", "",
                $"DeleteOptions.propagationPolicy: Unsupported value: \"{policyText}\": supported values: \"Foreground\", \"Background\", \"Orphan\""),
        };
        var orphan = body?["orphanDependents"] is JsonValue o && o.TryGetValue<bool>(out var b) ? b
            : bool.TryParse(query("orphanDependents"), out var q) ? q : (bool?)null;
        if (policy is null && orphan is { } orphanDependents)
        {
            policy = orphanDependents ? Propagation.Orphan : Propagation.Background;
        }

        long? grace = body?["gracePeriodSeconds"] is { } g ? Objects.Long(g, 0)
            : long.TryParse(query("gracePeriodSeconds"), System.Globalization.CultureInfo.InvariantCulture, out var qg) ? qg : null;
        return (policy, grace);
    }
}
