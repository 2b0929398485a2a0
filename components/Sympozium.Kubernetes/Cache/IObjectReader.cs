namespace Sympozium.Kubernetes.Cache;

/// <summary>
/// Reads objects of one kind, from an informer's cache (<see cref="CachedReader{T}"/>) or live from
/// the API server (<see cref="LiveReader{T}"/>), like controller-runtime's client.Reader. Objects
/// returned are the caller's to change: a cached reader hands out copies of what it must not share.
/// </summary>
public interface IObjectReader<T>
    where T : class
{
    /// <summary>The object, or null when it does not exist (as far as this reader knows).</summary>
    ValueTask<T?> GetAsync(string? ns, string name, CancellationToken cancellationToken = default);

    /// <summary>Objects of <paramref name="ns"/> (all when null) carrying every label of <paramref name="labels"/> (equality match).</summary>
    ValueTask<IReadOnlyList<T>> ListAsync(string? ns, IReadOnlyDictionary<string, string>? labels = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Tells the reader this process just wrote <paramref name="written"/> (as the API server
    /// returned it), so a read does not act on a cache that has not seen the write yet.
    /// </summary>
    void Wrote(T written);
}
