using Sympozium.Api.WellKnown;

namespace Sympozium.Kubernetes.Client;

/// <summary>
/// How a reference to a shared object (a SkillPack, an MCPServer) is resolved: the object of that
/// name in the referring object's namespace, else the one in sympozium-system, where the
/// installation keeps the packs and servers every namespace may use. A namespace's own object
/// always wins, so a team can override a shared one by name.
/// </summary>
public static class SystemNamespaceFallback
{
    /// <summary>The object <paramref name="name"/> of <paramref name="ns"/>, else of sympozium-system, else null.</summary>
    public static Task<T?> GetAsync<T>(ResourceClient<T> client, string ns, string name, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(client);
        return GetAsync(ns, name, (n, key, ct) => new ValueTask<T?>(client.GetAsync(n, key, ct)), cancellationToken).AsTask();
    }

    /// <summary>The same resolution over any lookup (a cache, a fake), called with (namespace, name).</summary>
    public static async ValueTask<T?> GetAsync<T>(string ns, string name, Func<string, string, CancellationToken, ValueTask<T?>> get, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(get);
        var local = await get(ns, name, cancellationToken).ConfigureAwait(false);
        if (local is not null || ns == Defaults.SystemNamespace)
        {
            return local;
        }

        return await get(Defaults.SystemNamespace, name, cancellationToken).ConfigureAwait(false);
    }
}
