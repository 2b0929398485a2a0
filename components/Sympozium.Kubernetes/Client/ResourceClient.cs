using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Sympozium.Kubernetes.Client;

/// <summary>A page of a list: the items and the collection's resourceVersion.</summary>
public sealed record ResourceList<T>(IReadOnlyList<T> Items, string ResourceVersion);

/// <summary>One watch event. <see cref="Object"/> is null for BOOKMARK events (their version is in <see cref="ResourceVersion"/>).</summary>
public sealed record ResourceEvent<T>(string Type, T? Object, string? ResourceVersion);

/// <summary>
/// CRUD, patch and watch for one kind over plain HTTP, with source-generated (de)serialization —
/// the AOT-safe stand-in for KubernetesClient's generic custom-object calls, which do not work
/// under Native AOT (docs/design/toolchain.md#kubernetes-client-under-aot).
/// </summary>
public sealed class ResourceClient<T>(KubernetesConnection connection, ApiResource resource, ResourceSerializer<T> serializer)
    where T : class
{
    public ApiResource Resource => resource;

    /// <summary>The object, or null when it does not exist.</summary>
    public async Task<T?> GetAsync(string? ns, string name, CancellationToken cancellationToken = default)
    {
        connection.Reads.Add("get", resource.Plural);
        var (status, body) = await SendAsync(HttpMethod.Get, resource.ObjectPath(ns, name), null, null, cancellationToken).ConfigureAwait(false);
        if (status == HttpStatusCode.NotFound)
        {
            return null;
        }

        Ensure(status, body, $"get {resource.Kind} {Name(ns, name)}");
        return serializer.Deserialize(body);
    }

    /// <summary>Lists objects (all namespaces when <paramref name="ns"/> is null), following continue tokens.</summary>
    public async Task<ResourceList<T>> ListAsync(string? ns = null, string? labelSelector = null, string? fieldSelector = null, CancellationToken cancellationToken = default)
    {
        connection.Reads.Add("list", resource.Plural);
        var items = new List<T>();
        string? continueToken = null;
        string resourceVersion;
        do
        {
            var query = Query(("labelSelector", labelSelector), ("fieldSelector", fieldSelector), ("limit", "500"), ("continue", continueToken));
            var (status, body) = await SendAsync(HttpMethod.Get, resource.CollectionPath(ns) + query, null, null, cancellationToken).ConfigureAwait(false);
            Ensure(status, body, $"list {resource.Plural}");
            using var document = JsonDocument.Parse(body);
            var metadata = document.RootElement.GetProperty("metadata");
            resourceVersion = metadata.TryGetProperty("resourceVersion", out var rv) ? rv.GetString() ?? "" : "";
            continueToken = metadata.TryGetProperty("continue", out var c) && c.ValueKind == JsonValueKind.String && c.GetString() is { Length: > 0 } token ? token : null;
            if (document.RootElement.TryGetProperty("items", out var array) && array.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in array.EnumerateArray())
                {
                    items.Add(serializer.Deserialize(item.GetRawText())!);
                }
            }
        }
        while (continueToken is not null);

        return new ResourceList<T>(items, resourceVersion);
    }

    public Task<T> CreateAsync(string? ns, T value, CancellationToken cancellationToken = default) =>
        WriteAsync(HttpMethod.Post, resource.CollectionPath(ns), serializer.Serialize(value), "application/json", $"create {resource.Kind} in {ns ?? "(cluster)"}", cancellationToken);

    /// <summary>Replaces the object; a stale resourceVersion throws a conflict (<see cref="KubernetesApiException.IsConflict"/>).</summary>
    public Task<T> ReplaceAsync(string? ns, string name, T value, CancellationToken cancellationToken = default) =>
        WriteAsync(HttpMethod.Put, resource.ObjectPath(ns, name), serializer.Serialize(value), "application/json", $"update {resource.Kind} {Name(ns, name)}", cancellationToken);

    /// <summary>Replaces the status subresource.</summary>
    public Task<T> ReplaceStatusAsync(string? ns, string name, T value, CancellationToken cancellationToken = default) =>
        WriteAsync(HttpMethod.Put, resource.ObjectPath(ns, name) + "/status", serializer.Serialize(value), "application/json", $"update status of {resource.Kind} {Name(ns, name)}", cancellationToken);

    /// <summary>JSON merge patch (RFC 7386) of the object or, with <paramref name="status"/>, its status.</summary>
    public Task<T> MergePatchAsync(string? ns, string name, string patchJson, bool status = false, CancellationToken cancellationToken = default) =>
        WriteAsync(HttpMethod.Patch, resource.ObjectPath(ns, name) + (status ? "/status" : ""), patchJson, "application/merge-patch+json", $"patch {resource.Kind} {Name(ns, name)}", cancellationToken);

    /// <summary>JSON patch (RFC 6902), e.g. with a "test" operation on resourceVersion for optimistic concurrency.</summary>
    public Task<T> JsonPatchAsync(string? ns, string name, string patchJson, CancellationToken cancellationToken = default) =>
        WriteAsync(HttpMethod.Patch, resource.ObjectPath(ns, name), patchJson, "application/json-patch+json", $"patch {resource.Kind} {Name(ns, name)}", cancellationToken);

    /// <summary>Deletes the object; false when it was already gone.</summary>
    public async Task<bool> DeleteAsync(string? ns, string name, string? propagationPolicy = "Background", CancellationToken cancellationToken = default)
    {
        var body = propagationPolicy is null ? null : $$"""{"apiVersion":"v1","kind":"DeleteOptions","propagationPolicy":"{{propagationPolicy}}"}""";
        var (status, text) = await SendAsync(HttpMethod.Delete, resource.ObjectPath(ns, name), body, "application/json", cancellationToken).ConfigureAwait(false);
        if (status == HttpStatusCode.NotFound)
        {
            return false;
        }

        Ensure(status, text, $"delete {resource.Kind} {Name(ns, name)}");
        return true;
    }

    /// <summary>
    /// Streams watch events from <paramref name="resourceVersion"/> with bookmarks. Ends when the
    /// server closes the stream; throws <see cref="ResourceVersionExpiredException"/> on 410 Gone.
    /// </summary>
    public async IAsyncEnumerable<ResourceEvent<T>> WatchAsync(string? ns, string resourceVersion, string? labelSelector = null, int timeoutSeconds = 300, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var query = Query(("watch", "true"), ("allowWatchBookmarks", "true"), ("resourceVersion", resourceVersion), ("labelSelector", labelSelector), ("timeoutSeconds", timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(resource.CollectionPath(ns) + query, UriKind.Relative));
        using var response = await connection.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Gone)
            {
                throw new ResourceVersionExpiredException($"watch {resource.Plural} from {resourceVersion}: {text}");
            }

            Ensure(response.StatusCode, text, $"watch {resource.Plural}");
        }

        using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            using var document = JsonDocument.Parse(line);
            var type = document.RootElement.GetProperty("type").GetString() ?? "";
            var obj = document.RootElement.GetProperty("object");
            if (type == "ERROR")
            {
                var code = obj.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : 500;
                var message = obj.TryGetProperty("message", out var m) ? m.GetString() : line;
                if (code == 410)
                {
                    throw new ResourceVersionExpiredException($"watch {resource.Plural} from {resourceVersion}: {message}");
                }

                throw new KubernetesApiException((HttpStatusCode)code, obj.TryGetProperty("reason", out var r) ? r.GetString() ?? "" : "", $"watch {resource.Plural}: {message}");
            }

            var version = obj.TryGetProperty("metadata", out var meta) && meta.TryGetProperty("resourceVersion", out var rv) ? rv.GetString() : null;
            yield return type == "BOOKMARK"
                ? new ResourceEvent<T>(type, null, version)
                : new ResourceEvent<T>(type, serializer.Deserialize(obj.GetRawText()), version);
        }
    }

    private async Task<T> WriteAsync(HttpMethod method, string path, string body, string contentType, string what, CancellationToken cancellationToken)
    {
        var (status, text) = await SendAsync(method, path, body, contentType, cancellationToken).ConfigureAwait(false);
        Ensure(status, text, what);
        return serializer.Deserialize(text) ?? throw new KubernetesApiException(status, "", $"{what}: empty response");
    }

    private async Task<(HttpStatusCode, string)> SendAsync(HttpMethod method, string path, string? body, string? contentType, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType ?? "application/json");
        }

        request.Headers.Accept.ParseAdd("application/json");
        using var response = await connection.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
    }

    private static void Ensure(HttpStatusCode status, string body, string what)
    {
        if ((int)status is < 200 or > 299)
        {
            throw KubernetesApiException.FromResponse(status, body, what);
        }
    }

    private static string Name(string? ns, string name) => string.IsNullOrEmpty(ns) ? name : $"{ns}/{name}";

    private static string Query(params (string Key, string? Value)[] parameters)
    {
        var parts = parameters.Where(p => !string.IsNullOrEmpty(p.Value)).Select(p => $"{p.Key}={Uri.EscapeDataString(p.Value!)}").ToList();
        return parts.Count == 0 ? "" : "?" + string.Join('&', parts);
    }
}
