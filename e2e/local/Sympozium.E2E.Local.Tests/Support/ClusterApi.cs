using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Sympozium.Kubernetes.Client;

namespace Sympozium.E2E.Local.Tests.Support;

/// <summary>Plain JSON over the cluster's API with the admin credentials.</summary>
public sealed class ClusterApi(KubernetesConnection connection)
{
    public async Task<JsonObject?> GetAsync(string path)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, path, null);
        return status == HttpStatusCode.OK ? JsonNode.Parse(body) as JsonObject : null;
    }

    public async Task<string> GetTextAsync(string path) => (await SendAsync(HttpMethod.Get, path, null)).Body;

    /// <summary>POSTs a YAML or JSON object to its collection; returns the status code and body.</summary>
    public Task<(HttpStatusCode Status, string Body)> CreateAsync(string collection, JsonNode body) => SendAsync(HttpMethod.Post, collection, body);

    public async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpMethod method, string path, JsonNode? body)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await connection.SendAsync(request, HttpCompletionOption.ResponseContentRead, CancellationToken.None);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
