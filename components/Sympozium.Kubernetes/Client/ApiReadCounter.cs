using System.Collections.Concurrent;

namespace Sympozium.Kubernetes.Client;

/// <summary>
/// GET and LIST requests a connection's <see cref="ResourceClient{T}"/>s sent, by verb and resource
/// (bounded: one counter per verb and kind). How a test or a benchmark tells cache reads from API
/// reads; watches are not counted.
/// </summary>
public sealed class ApiReadCounter
{
    private readonly ConcurrentDictionary<(string Verb, string Resource), long> _counts = new();

    /// <summary>Requests of <paramref name="verb"/> ("get" or "list") for <paramref name="resource"/> (the plural, e.g. "agentruns").</summary>
    public long this[string verb, string resource] => _counts.GetValueOrDefault((verb, resource));

    internal void Add(string verb, string resource) => _counts.AddOrUpdate((verb, resource), 1, (_, n) => n + 1);
}
