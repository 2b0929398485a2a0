using System.Text;
using System.Text.Json.Nodes;
using k8s;
using Sympozium.Kubernetes.Client;
using Sympozium.Kubernetes.Tests.Support;

namespace Sympozium.Kubernetes.Tests;

/// <summary>
/// <see cref="KubernetesConnection.FromEnvironment(Func{string, string?})"/> inside a local-cluster
/// pod: the service account the kubelet wrote under SYMPOZIUM_ROOT, the API server from
/// KUBERNETES_SERVICE_HOST/PORT, exactly as a component running in that pod sees them.
/// </summary>
public sealed class InClusterConnectionTests : ClusterTestBase
{
    [Fact]
    public async Task A_pods_environment_connects_as_its_service_account_and_lists_namespaces()
    {
        var env = await PodEnvironmentAsync("in-cluster");

        using var inPod = KubernetesConnection.FromEnvironment(name => env.GetValueOrDefault(name));
        var namespaces = await inPod.Typed.CoreV1.ListNamespaceAsync();
        var whoami = await SelfSubjectAsync(inPod);

        Assert.Contains(namespaces.Items, n => n.Metadata.Name == "kube-system");
        Assert.Equal("default", inPod.Namespace);
        Assert.Equal(new Uri($"https://127.0.0.1:{Server.Port}/"), inPod.BaseUri);
        Assert.Equal("system:serviceaccount:default:default", whoami["username"]!.GetValue<string>());
        Assert.Equal("in-cluster", whoami["extra"]!["authentication.kubernetes.io/pod-name"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task Without_a_token_under_the_root_the_local_service_account_is_not_used()
    {
        var env = await PodEnvironmentAsync("no-root");
        var root = env["SYMPOZIUM_ROOT"];
        var empty = Directory.CreateTempSubdirectory("sympozium-no-sa-").FullName;
        try
        {
            Assert.NotNull(KubernetesConnection.InClusterUnderRoot(name => env.GetValueOrDefault(name)));
            Assert.Null(KubernetesConnection.InClusterUnderRoot(name => name == "SYMPOZIUM_ROOT" ? "/" : env.GetValueOrDefault(name)));
            Assert.Null(KubernetesConnection.InClusterUnderRoot(name => name == "SYMPOZIUM_ROOT" ? empty : env.GetValueOrDefault(name)));
            Assert.Null(KubernetesConnection.InClusterUnderRoot(name => name == "KUBERNETES_SERVICE_HOST" ? null : env.GetValueOrDefault(name)));
            Assert.True(File.Exists(Path.Combine(root, "var/run/secrets/kubernetes.io/serviceaccount/token")));
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    /// <summary>Runs a busybox pod that prints its SYMPOZIUM_ROOT and KUBERNETES_SERVICE_*; returns them.</summary>
    private async Task<Dictionary<string, string>> PodEnvironmentAsync(string name)
    {
        var pod = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = new JsonObject
            {
                ["restartPolicy"] = "Never",
                ["containers"] = new JsonArray(new JsonObject
                {
                    ["name"] = "main",
                    ["image"] = "busybox",
                    ["command"] = new JsonArray("sh", "-c", "echo \"SYMPOZIUM_ROOT=$SYMPOZIUM_ROOT\"; echo \"KUBERNETES_SERVICE_HOST=$KUBERNETES_SERVICE_HOST\"; echo \"KUBERNETES_SERVICE_PORT=$KUBERNETES_SERVICE_PORT\""),
                }),
            },
        };
        await SendAsync(Connection, HttpMethod.Post, "api/v1/namespaces/default/pods", pod);
        await Eventually.TrueAsync(() => Server.Store.Get("pods", "default", name)["status"]?["phase"]?.ToString() == "Succeeded", $"pod {name} succeeded");
        var log = await SendAsync(Connection, HttpMethod.Get, $"api/v1/namespaces/default/pods/{name}/log", null);
        return log.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);
    }

    private static async Task<JsonObject> SelfSubjectAsync(KubernetesConnection connection)
    {
        var review = new JsonObject { ["apiVersion"] = "authentication.k8s.io/v1", ["kind"] = "SelfSubjectReview" };
        var text = await SendAsync(connection, HttpMethod.Post, "apis/authentication.k8s.io/v1/selfsubjectreviews", review);
        return JsonNode.Parse(text)!["status"]!["userInfo"]!.AsObject();
    }

    private static async Task<string> SendAsync(KubernetesConnection connection, HttpMethod method, string path, JsonNode? body)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await connection.SendAsync(request, HttpCompletionOption.ResponseContentRead, CancellationToken.None);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
        return text;
    }
}
