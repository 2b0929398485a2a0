namespace Sympozium.Hosting;

/// <summary>
/// The probe paths a process serves (<c>/healthz</c>, <c>/livez</c>, <c>/readyz</c>, …), each
/// answered from its current state on every request. Served over plain HTTP by
/// <see cref="HealthEndpoint"/>, or mapped onto a web server that already listens (the webhook's
/// HTTPS port).
/// </summary>
public sealed class HealthProbes
{
    private readonly Dictionary<string, Func<ProbeAnswer>> _paths = new(StringComparer.Ordinal);

    /// <summary>The answer for a path no probe serves (default: 404 <c>not found</c>, text/plain).</summary>
    public ProbeAnswer NotFound { get; init; } = new(404, "text/plain", "not found");

    /// <summary>The paths served, in the order they were mapped.</summary>
    public IReadOnlyCollection<string> Paths => _paths.Keys;

    /// <summary>Serves <paramref name="path"/> with <paramref name="answer"/>, evaluated per request.</summary>
    public HealthProbes Map(string path, Func<ProbeAnswer> answer)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(answer);
        _paths[path] = answer;
        return this;
    }

    /// <summary>Serves each of <paramref name="paths"/> with <paramref name="answer"/>.</summary>
    public HealthProbes Map(IEnumerable<string> paths, Func<ProbeAnswer> answer)
    {
        ArgumentNullException.ThrowIfNull(paths);
        foreach (var path in paths)
        {
            Map(path, answer);
        }

        return this;
    }

    /// <summary>The answer for a request path.</summary>
    public ProbeAnswer Answer(string path) => _paths.TryGetValue(path, out var answer) ? answer() : NotFound;
}
