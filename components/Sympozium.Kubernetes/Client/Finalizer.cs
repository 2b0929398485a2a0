using System.Text.Json.Nodes;
using Sympozium.Api.Meta;

namespace Sympozium.Kubernetes.Client;

/// <summary>
/// Adds and removes a finalizer on one of our kinds, like controller-runtime's
/// <c>controllerutil.AddFinalizer</c>/<c>RemoveFinalizer</c> followed by an update. Both are
/// idempotent: asking for what the object already has sends nothing.
/// </summary>
/// <remarks>
/// The write is a JSON patch that first tests the resourceVersion that was read, so after a
/// concurrent change the API server refuses it and the reconcile is retried on a fresh read
/// instead of overwriting another writer's finalizers.
/// </remarks>
public static class Finalizer
{
    /// <summary>True when the object carries <paramref name="finalizer"/>.</summary>
    public static bool Has(IKubernetesObject obj, string finalizer)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return obj.Metadata.Finalizers?.Contains(finalizer) == true;
    }

    /// <summary>
    /// Appends <paramref name="finalizer"/>; returns the object as the API server stored it, or
    /// <paramref name="obj"/> itself when it already had the finalizer.
    /// </summary>
    public static Task<T> AddAsync<T>(ResourceClient<T> client, T obj, string finalizer, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(obj);
        return Has(obj, finalizer)
            ? Task.FromResult(obj)
            : PatchAsync(client, obj, [.. obj.Metadata.Finalizers ?? [], finalizer], cancellationToken);
    }

    /// <summary>
    /// Removes <paramref name="finalizer"/> (every occurrence); returns the object as the API server
    /// stored it, or <paramref name="obj"/> itself when it did not have the finalizer.
    /// </summary>
    public static Task<T> RemoveAsync<T>(ResourceClient<T> client, T obj, string finalizer, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(obj);
        return !Has(obj, finalizer)
            ? Task.FromResult(obj)
            : PatchAsync(client, obj, [.. obj.Metadata.Finalizers!.Where(f => f != finalizer)], cancellationToken);
    }

    /// <summary>
    /// The finalizer step every reconcile of a kind with cleanup starts with. While the object is
    /// being deleted: runs <paramref name="cleanup"/> once (while the finalizer is still there) and
    /// removes the finalizer, then returns null — nothing more to reconcile. Otherwise adds the
    /// finalizer if missing and returns the object as stored.
    /// </summary>
    public static async Task<T?> ReconcileAsync<T>(ResourceClient<T> client, T obj, string finalizer, Func<CancellationToken, Task> cleanup, CancellationToken cancellationToken = default)
        where T : class, IKubernetesObject
    {
        ArgumentNullException.ThrowIfNull(obj);
        ArgumentNullException.ThrowIfNull(cleanup);
        if (obj.Metadata.DeletionTimestamp is null)
        {
            return await AddAsync(client, obj, finalizer, cancellationToken).ConfigureAwait(false);
        }

        if (Has(obj, finalizer))
        {
            await cleanup(cancellationToken).ConfigureAwait(false);
            await RemoveAsync(client, obj, finalizer, cancellationToken).ConfigureAwait(false);
        }

        return null;
    }

    private static Task<T> PatchAsync<T>(ResourceClient<T> client, T obj, List<string> finalizers, CancellationToken cancellationToken)
        where T : class, IKubernetesObject
    {
        var patch = new JsonArray(
            (JsonNode)new JsonObject { ["op"] = "test", ["path"] = "/metadata/resourceVersion", ["value"] = obj.Metadata.ResourceVersion },
            (JsonNode)new JsonObject { ["op"] = "add", ["path"] = "/metadata/finalizers", ["value"] = new JsonArray([.. finalizers.Select(f => (JsonNode)JsonValue.Create(f))]) });
        var name = obj.Metadata.Name ?? throw new ArgumentException($"a {obj.Kind} without a name has no finalizers to change", nameof(obj));
        return client.JsonPatchAsync(obj.Metadata.Namespace, name, patch.ToJsonString(), cancellationToken);
    }
}
