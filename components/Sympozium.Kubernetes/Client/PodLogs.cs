using System.Net;

namespace Sympozium.Kubernetes.Client;

/// <summary>Reads container logs through the pod log subresource.</summary>
public static class PodLogs
{
    /// <summary>
    /// The whole log of <paramref name="container"/> in pod <paramref name="ns"/>/<paramref name="pod"/>,
    /// or null when the pod or container is gone. Never a tail: results and memory are read from
    /// the full log (docs/design/upstream-fixes.md#cp-13).
    /// </summary>
    public static async Task<string?> ReadAsync(KubernetesConnection connection, string ns, string pod, string container, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var path = $"{ApiResource.Pods.ObjectPath(ns, pod)}/log?container={Uri.EscapeDataString(container)}";
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        using var response = await connection.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest)
        {
            // 400: the container has not started or no longer exists (as the API server answers).
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw KubernetesApiException.FromResponse(response.StatusCode, body, $"read log of {ns}/{pod} container {container}");
        }

        return body;
    }
}
