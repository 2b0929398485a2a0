using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Sympozium.Api.Validation;

namespace Sympozium.LocalCluster.Tests;

/// <summary>
/// One in-process local cluster per test class, on a free port with a temp state directory and
/// our CRDs applied: <c>public sealed class MyTests(LocalClusterFixture cluster) : IClassFixture&lt;LocalClusterFixture&gt;</c>.
/// Tests that restart a server or need other options use <see cref="StartAsync"/> themselves.
/// </summary>
public sealed class LocalClusterFixture : IAsyncLifetime
{
    private LocalClusterServer? _server;

    public LocalClusterServer Server => _server ?? throw new InvalidOperationException("The local cluster fixture has not been initialized.");

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _server = await StartAsync(NewDirectory()).ConfigureAwait(false);
        Http = CreateHttpClient(_server);
        await ApplyCrdsAsync(Http).ConfigureAwait(false);
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
            TryDelete(_server.Options.Directory);
        }
    }

    public static string NewDirectory() => Directory.CreateTempSubdirectory("sympozium-local-cluster-").FullName;

    public static Task<LocalClusterServer> StartAsync(string directory, Func<LocalClusterOptions, LocalClusterOptions>? configure = null)
    {
        var options = new LocalClusterOptions
        {
            Directory = directory,
            BookmarkInterval = TimeSpan.FromMilliseconds(300),
            SaveInterval = TimeSpan.FromMilliseconds(200),
        };
        return LocalClusterServer.StartAsync(configure?.Invoke(options) ?? options);
    }

    /// <summary>An HttpClient that trusts only the cluster's CA and sends its bearer token.</summary>
    public static HttpClient CreateHttpClient(LocalClusterServer server, string? token = null)
    {
        var ca = X509Certificate2.CreateFromPem(server.CaPem);
#pragma warning disable CA2000 // the client owns the handler
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return certificate is not null && chain.Build(certificate);
            },
        };
#pragma warning restore CA2000
        var client = new HttpClient(handler) { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token ?? server.Token);
        return client;
    }

    public static async Task ApplyCrdsAsync(HttpClient http)
    {
        foreach (var (_, yaml) in CrdSchemas.Manifests())
        {
            using var content = new StringContent(yaml, Encoding.UTF8, "application/yaml");
            using var response = await http.PostAsync("apis/apiextensions.k8s.io/v1/customresourcedefinitions", content).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
        }
    }

    internal static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Small JSON helpers over HttpClient for the raw-HTTP tests.</summary>
internal static class Api
{
    public static async Task<(int Code, JsonObject Body)> SendAsync(this HttpClient http, HttpMethod method, string path, JsonNode? body = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        using var response = await http.SendAsync(request).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        return ((int)response.StatusCode, JsonNode.Parse(text)!.AsObject());
    }

    public static Task<(int Code, JsonObject Body)> PostAsync(this HttpClient http, string path, JsonNode body) => http.SendAsync(HttpMethod.Post, path, body);

    public static Task<(int Code, JsonObject Body)> PutAsync(this HttpClient http, string path, JsonNode body) => http.SendAsync(HttpMethod.Put, path, body);

    public static Task<(int Code, JsonObject Body)> GetJsonAsync(this HttpClient http, string path) => http.SendAsync(HttpMethod.Get, path);

    public static JsonObject ConfigMap(string name, string? value = "v", JsonObject? labels = null) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels ?? new JsonObject() },
        ["data"] = new JsonObject { ["k"] = value },
    };

    public static string Rv(JsonObject obj) => obj["metadata"]!["resourceVersion"]!.GetValue<string>();
}
