using Sympozium.Kubernetes.Client;

namespace Sympozium.Kubernetes.Cache;

/// <summary>Reads straight from the API server: what a reconciler uses when it runs without the manager's caches.</summary>
public sealed class LiveReader<T>(ResourceClient<T> client) : IObjectReader<T>
    where T : class
{
    public async ValueTask<T?> GetAsync(string? ns, string name, CancellationToken cancellationToken = default) =>
        await client.GetAsync(ns, name, cancellationToken).ConfigureAwait(false);

    public async ValueTask<IReadOnlyList<T>> ListAsync(string? ns, IReadOnlyDictionary<string, string>? labels = null, CancellationToken cancellationToken = default) =>
        (await client.ListAsync(ns, Selector(labels), cancellationToken: cancellationToken).ConfigureAwait(false)).Items;

    public void Wrote(T written)
    {
        // Every read is live: nothing to remember.
    }

    /// <summary>An equality label selector (<c>a=1,b=2</c>); null for no labels.</summary>
    private static string? Selector(IReadOnlyDictionary<string, string>? labels) =>
        labels is { Count: > 0 } ? string.Join(',', labels.Select(l => $"{l.Key}={l.Value}")) : null;
}
