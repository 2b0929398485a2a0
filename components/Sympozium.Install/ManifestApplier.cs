using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Sympozium.Kubernetes.Client;

namespace Sympozium.Install;

/// <summary>
/// Creates or replaces objects through the API, finding each kind's resource by discovery (as
/// kubectl does), so a freshly created CRD's kinds are applied as soon as the server serves them.
/// Used by the e2e/local suite and components/Sympozium.Demo; future home: components/Sympozium.Cli (install).
/// </summary>
public sealed class ManifestApplier(KubernetesConnection connection)
{
    private static readonly TimeSpan DiscoveryWait = TimeSpan.FromSeconds(30);
    private readonly Dictionary<string, IReadOnlyList<(string Name, string Kind, bool Namespaced)>> _discovery = new(StringComparer.Ordinal);

    /// <summary>Creates the object, or replaces it (keeping its resourceVersion) when it exists.</summary>
    public async Task ApplyAsync(JsonObject document, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        var apiVersion = document["apiVersion"]?.ToString() ?? throw new InvalidDataException("a manifest document has no apiVersion");
        var kind = document["kind"]?.ToString() ?? throw new InvalidDataException($"a {apiVersion} document has no kind");
        var name = document["metadata"]?["name"]?.ToString() ?? throw new InvalidDataException($"a {kind} has no metadata.name");
        var collection = await CollectionAsync(apiVersion, kind, document["metadata"]?["namespace"]?.ToString(), cancellationToken).ConfigureAwait(false);

        var (status, body) = await SendAsync(HttpMethod.Post, collection, document, cancellationToken).ConfigureAwait(false);
        if (status == HttpStatusCode.Conflict)
        {
            var (_, live) = await SendAsync(HttpMethod.Get, $"{collection}/{name}", null, cancellationToken).ConfigureAwait(false);
            var replacement = document.DeepClone().AsObject();
            replacement["metadata"]!["resourceVersion"] = JsonNode.Parse(live)?["metadata"]?["resourceVersion"]?.ToString();
            (status, body) = await SendAsync(HttpMethod.Put, $"{collection}/{name}", replacement, cancellationToken).ConfigureAwait(false);
        }

        if ((int)status is < 200 or >= 300)
        {
            throw new InvalidOperationException($"applying {kind} {name}: {(int)status} {body}");
        }
    }

    /// <summary>The collection path of a kind, e.g. /apis/apps/v1/namespaces/sympozium-system/deployments.</summary>
    private async Task<string> CollectionAsync(string apiVersion, string kind, string? ns, CancellationToken cancellationToken)
    {
        var prefix = apiVersion.Contains('/', StringComparison.Ordinal) ? $"/apis/{apiVersion}" : $"/api/{apiVersion}";
        var deadline = DateTime.UtcNow + DiscoveryWait;
        while (true)
        {
            var resource = (await DiscoverAsync(prefix, cancellationToken).ConfigureAwait(false)).FirstOrDefault(r => r.Kind == kind);
            if (resource.Name is not null)
            {
                return resource.Namespaced ? $"{prefix}/namespaces/{ns ?? "default"}/{resource.Name}" : $"{prefix}/{resource.Name}";
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"the server does not serve kind {kind} in {apiVersion} (is its CRD applied?)");
            }

            _discovery.Remove(prefix); // a CRD being established: ask again
            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<IReadOnlyList<(string Name, string Kind, bool Namespaced)>> DiscoverAsync(string prefix, CancellationToken cancellationToken)
    {
        if (_discovery.TryGetValue(prefix, out var known))
        {
            return known;
        }

        var (status, body) = await SendAsync(HttpMethod.Get, prefix, null, cancellationToken).ConfigureAwait(false);
        if (status != HttpStatusCode.OK)
        {
            return [];
        }

        var resources = (JsonNode.Parse(body)?["resources"] as JsonArray ?? [])
            .OfType<JsonObject>()
            .Select(r => (Name: r["name"]?.ToString() ?? "", Kind: r["kind"]?.ToString() ?? "", Namespaced: r["namespaced"]?.GetValue<bool>() == true))
            .Where(r => !r.Name.Contains('/', StringComparison.Ordinal)) // subresources
            .ToList();
        _discovery[prefix] = resources;
        return resources;
    }

    private async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await connection.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
    }
}
