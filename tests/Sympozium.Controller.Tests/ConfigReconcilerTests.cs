using System.Text.Json.Nodes;
using Sympozium.Api.Kinds;
using Sympozium.Api.Serialization;
using Sympozium.Api.Validation;
using Sympozium.Controller.Reconcilers;
using Sympozium.Kubernetes;
using Sympozium.Kubernetes.Client;
using Sympozium.Kubernetes.Reconcile;
using Sympozium.LocalCluster;

namespace Sympozium.Controller.Tests;

/// <summary>
/// The SympoziumConfig reconciler against the local cluster
/// (docs/design/instances.md#sympoziumconfig-and-the-gateway) with
/// docs/design/upstream-fixes.md#cp-15 fixed: listeners admit routes from all namespaces and a
/// drifted Gateway is rewritten. The Gateway API CRDs are installed by the test (minimal schemas),
/// or left out to check the "not installed" status.
/// </summary>
public sealed class ConfigReconcilerTests : IAsyncLifetime
{
    private const string Ns = "sympozium-system";
    private readonly string _directory = Directory.CreateTempSubdirectory("sympozium-config-tests-").FullName;
    private LocalClusterServer _server = null!;
    private KubernetesConnection _connection = null!;

    private Clients Clients => new(_connection);

    public async Task InitializeAsync()
    {
        _server = await LocalClusterServer.StartAsync(new LocalClusterOptions { Directory = _directory, RunKubelet = false });
        _connection = KubernetesConnection.FromKubeconfig(_server.KubeconfigPath);
        foreach (var (_, yaml) in CrdSchemas.Manifests())
        {
            await PostAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", YamlJson.Parse(yaml).ToJsonString());
        }

        await PostAsync("/api/v1/namespaces", $$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{Ns}}}"}}""");
    }

    public async Task DisposeAsync()
    {
        _connection.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Without_the_gateway_api_crds_the_config_says_so_and_retries_later()
    {
        await CreateConfigAsync(new GatewaySpec { Enabled = true, BaseDomain = "ex.com" });

        var result = await ReconcileAsync();

        var config = await GetConfigAsync();
        Assert.Equal("Error", config.Status!.Phase);
        var ready = Assert.Single(config.Status.Conditions!);
        Assert.Equal(("False", "GatewayAPINotInstalled"), (ready.Status, ready.Reason));
        Assert.Contains("Gateway API CRDs are not installed (gateway.networking.k8s.io/v1 gateways)", ready.Message, StringComparison.Ordinal);
        Assert.Equal(ReconcileResult.RequeueAfter(ConfigReconciler.MissingGatewayApiRetry), result);
        Assert.Contains("sympozium.ai/config-finalizer", config.Metadata.Finalizers!);

        // Once the CRDs arrive the same config converges.
        await InstallGatewayApiAsync();
        await ReconcileAsync();
        Assert.Equal("Pending", (await GetConfigAsync()).Status!.Phase);
    }

    [Fact]
    public async Task Tls_config_gets_class_and_gateway_with_two_listeners_and_is_ready_once_programmed()
    {
        await InstallGatewayApiAsync();
        await CreateConfigAsync(new GatewaySpec { Enabled = true, BaseDomain = "ex.com", Tls = new GatewayTls { Enabled = true, CertManagerClusterIssuer = "letsencrypt" } });

        var result = await ReconcileAsync();

        var gatewayClass = (await Clients.GatewayClasses.GetAsync(null, "sympozium"))!;
        Assert.Equal("gateway.envoyproxy.io/gatewayclass-controller", (string?)gatewayClass["spec"]!["controllerName"]);
        Assert.Equal("sympoziumconfig", (string?)gatewayClass["metadata"]!["labels"]!["sympozium.ai/managed-by"]);
        var gateway = (await Clients.Gateways.GetAsync(Ns, "sympozium-gateway"))!;
        Assert.Equal("sympozium", (string?)gateway["spec"]!["gatewayClassName"]);
        Assert.Equal("letsencrypt", (string?)gateway["metadata"]!["annotations"]!["cert-manager.io/cluster-issuer"]);
        Assert.Equal("default", (string?)gateway["metadata"]!["ownerReferences"]![0]!["name"]);
        var listeners = gateway["spec"]!["listeners"]!.AsArray();
        Assert.Equal(2, listeners.Count);
        Assert.Equal(("http", "HTTP", 80), ((string?)listeners[0]!["name"], (string?)listeners[0]!["protocol"], (int)listeners[0]!["port"]!));
        Assert.Equal(("https", "HTTPS", 443, "*.ex.com"), ((string?)listeners[1]!["name"], (string?)listeners[1]!["protocol"], (int)listeners[1]!["port"]!, (string?)listeners[1]!["hostname"]));
        Assert.Equal("sympozium-wildcard-cert", (string?)listeners[1]!["tls"]!["certificateRefs"]![0]!["name"]);
        Assert.All(listeners, l => Assert.Equal("All", (string?)l!["allowedRoutes"]!["namespaces"]!["from"]));
        var config = await GetConfigAsync();
        Assert.Equal(("Pending", false, 2), (config.Status!.Phase, config.Status.Gateway!.Ready, config.Status.Gateway.ListenerCount));
        Assert.Equal(ReconcileResult.RequeueAfter(TimeSpan.FromSeconds(30)), result);

        // The gateway controller programs it.
        await Clients.Gateways.MergePatchAsync(Ns, "sympozium-gateway",
            """{"status":{"addresses":[{"type":"IPAddress","value":"10.0.0.7"}],"conditions":[{"type":"Programmed","status":"True","reason":"Programmed","message":"","lastTransitionTime":"2025-01-01T00:00:00Z"}]}}""",
            status: true);
        await ReconcileAsync();

        config = await GetConfigAsync();
        Assert.Equal(("Ready", true, "10.0.0.7", 2), (config.Status!.Phase, config.Status.Gateway!.Ready, config.Status.Gateway.Address, config.Status.Gateway.ListenerCount));
        var ready = Assert.Single(config.Status.Conditions!);
        Assert.Equal(("True", "Ready"), (ready.Status, ready.Reason));
    }

    [Fact]
    public async Task Changed_config_rewrites_the_gateway_and_a_hand_edited_gateway_is_restored()
    {
        await InstallGatewayApiAsync();
        await CreateConfigAsync(new GatewaySpec { Enabled = true, BaseDomain = "ex.com", Tls = new GatewayTls { Enabled = true, CertManagerClusterIssuer = "letsencrypt" } });
        await ReconcileAsync();

        await Clients.Configs.MergePatchAsync(Ns, "default", """{"spec":{"gateway":{"tls":{"enabled":false,"certManagerClusterIssuer":null}}}}""");
        await ReconcileAsync();

        var gateway = (await Clients.Gateways.GetAsync(Ns, "sympozium-gateway"))!;
        Assert.Equal("http", (string?)Assert.Single(gateway["spec"]!["listeners"]!.AsArray())!["name"]);
        Assert.Null(gateway["metadata"]!["annotations"]?["cert-manager.io/cluster-issuer"]);
        Assert.Equal(1, (await GetConfigAsync()).Status!.Gateway!.ListenerCount);

        // Upstream's "Same" would keep HTTPRoutes of agent namespaces out: a hand edit back to it is reverted.
        await Clients.Gateways.JsonPatchAsync(Ns, "sympozium-gateway", """[{"op":"replace","path":"/spec/listeners/0/allowedRoutes/namespaces/from","value":"Same"}]""");
        await ReconcileAsync();
        gateway = (await Clients.Gateways.GetAsync(Ns, "sympozium-gateway"))!;
        Assert.Equal("All", (string?)gateway["spec"]!["listeners"]![0]!["allowedRoutes"]!["namespaces"]!["from"]);

        // A reconcile with nothing to change writes nothing.
        var version = (string?)gateway["metadata"]!["resourceVersion"];
        await ReconcileAsync();
        Assert.Equal(version, (string?)(await Clients.Gateways.GetAsync(Ns, "sympozium-gateway"))!["metadata"]!["resourceVersion"]);
    }

    [Fact]
    public async Task Disabling_deletes_the_managed_gateway_and_class_but_not_a_class_it_did_not_create()
    {
        await InstallGatewayApiAsync();
        await Clients.GatewayClasses.CreateAsync(null, new JsonObject
        {
            ["apiVersion"] = "gateway.networking.k8s.io/v1",
            ["kind"] = "GatewayClass",
            ["metadata"] = new JsonObject { ["name"] = "shared" },
            ["spec"] = new JsonObject { ["controllerName"] = "example.com/other" },
        });
        await CreateConfigAsync(new GatewaySpec { Enabled = true });
        await ReconcileAsync();
        Assert.NotNull(await Clients.Gateways.GetAsync(Ns, "sympozium-gateway"));

        // Switch to the pre-existing class: ours is no longer used and goes; the shared one is used as it is.
        await Clients.Configs.MergePatchAsync(Ns, "default", """{"spec":{"gateway":{"gatewayClassName":"shared"}}}""");
        await ReconcileAsync();
        Assert.Null(await Clients.GatewayClasses.GetAsync(null, "sympozium"));
        Assert.Equal("shared", (string?)(await Clients.Gateways.GetAsync(Ns, "sympozium-gateway"))!["spec"]!["gatewayClassName"]);

        await Clients.Configs.MergePatchAsync(Ns, "default", """{"spec":{"gateway":{"enabled":false}}}""");
        var result = await ReconcileAsync();

        await Eventually(async () => await Clients.Gateways.GetAsync(Ns, "sympozium-gateway") is null ? "gone" : null, "the Gateway is deleted");
        Assert.NotNull(await Clients.GatewayClasses.GetAsync(null, "shared"));
        var config = await GetConfigAsync();
        Assert.Equal("Disabled", config.Status!.Phase);
        Assert.Null(config.Status.Gateway);
        var ready = Assert.Single(config.Status.Conditions!);
        Assert.Equal(("False", "Disabled"), (ready.Status, ready.Reason));
        Assert.Equal(ReconcileResult.Done, result);
    }

    [Fact]
    public async Task Deleting_the_config_removes_gateway_and_class_and_releases_the_finalizer()
    {
        await InstallGatewayApiAsync();
        await CreateConfigAsync(new GatewaySpec { Enabled = true, Name = "edge", GatewayClassName = "edge-class" });
        await ReconcileAsync();
        Assert.NotNull(await Clients.Gateways.GetAsync(Ns, "edge"));
        Assert.NotNull(await Clients.GatewayClasses.GetAsync(null, "edge-class"));

        await Clients.Configs.DeleteAsync(Ns, "default");
        await ReconcileAsync();

        await Eventually(async () => await Clients.Configs.GetAsync(Ns, "default") is null ? "gone" : null, "the config is gone");
        await Eventually(async () => await Clients.Gateways.GetAsync(Ns, "edge") is null ? "gone" : null, "the Gateway is deleted");
        Assert.Null(await Clients.GatewayClasses.GetAsync(null, "edge-class"));
    }

    private Task<ReconcileResult> ReconcileAsync() =>
        new ConfigReconciler(Clients).ReconcileAsync(new ObjectKey(Ns, "default"), CancellationToken.None);

    private async Task<SympoziumConfig> GetConfigAsync() =>
        await Clients.Configs.GetAsync(Ns, "default") ?? throw new InvalidOperationException("config not found");

    private Task<SympoziumConfig> CreateConfigAsync(GatewaySpec gateway) =>
        Clients.Configs.CreateAsync(Ns, new SympoziumConfig { Metadata = { Name = "default", Namespace = Ns }, Spec = { Gateway = gateway } });

    /// <summary>Minimal Gateway API CRDs: the two kinds, any fields, a status subresource.</summary>
    private async Task InstallGatewayApiAsync()
    {
        foreach (var (plural, kind, scope) in new[] { ("gatewayclasses", "GatewayClass", "Cluster"), ("gateways", "Gateway", "Namespaced") })
        {
            await PostAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", $$"""
                {
                  "apiVersion": "apiextensions.k8s.io/v1",
                  "kind": "CustomResourceDefinition",
                  "metadata": { "name": "{{plural}}.gateway.networking.k8s.io" },
                  "spec": {
                    "group": "gateway.networking.k8s.io",
                    "scope": "{{scope}}",
                    "names": { "plural": "{{plural}}", "singular": "{{kind.ToLowerInvariant()}}", "kind": "{{kind}}", "listKind": "{{kind}}List" },
                    "versions": [{
                      "name": "v1", "served": true, "storage": true,
                      "subresources": { "status": {} },
                      "schema": { "openAPIV3Schema": { "type": "object", "x-kubernetes-preserve-unknown-fields": true } }
                    }]
                  }
                }
                """);
        }
    }

    private async Task PostAsync(string path, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative))
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        using var response = await _connection.SendAsync(request, HttpCompletionOption.ResponseContentRead, CancellationToken.None);
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task Eventually(Func<Task<string?>> read, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (await read() is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting until " + what);
            await Task.Delay(100);
        }
    }
}
