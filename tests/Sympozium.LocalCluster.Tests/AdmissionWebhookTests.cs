using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Sympozium.LocalCluster.Tests;

/// <summary>An in-test HTTPS admission webhook server (Kestrel, generated CA and serving certificate).</summary>
public sealed class WebhookServerFixture : IAsyncLifetime
{
    private WebApplication? _app;
    private X509Certificate2? _serving;

    public string CaBundle { get; private set; } = "";

    public int Port { get; private set; }

    public ConcurrentQueue<JsonObject> Reviews { get; } = new();

    public async Task InitializeAsync()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=webhook-test-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=hook.default.svc", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("hook.default.svc");
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var signed = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), [1, 2, 3, 4]);
        using var withKey = signed.CopyWithPrivateKey(key);
        _serving = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        CaBundle = Convert.ToBase64String(Encoding.UTF8.GetBytes(ca.ExportCertificatePem()));

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(_serving)));
        _app = builder.Build();
        _app.Run(HandleAsync);
        await _app.StartAsync();
        Port = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var review = JsonNode.Parse(await reader.ReadToEndAsync())!.AsObject();
        Reviews.Enqueue(review);
        var uid = review["request"]!["uid"]!.GetValue<string>();
        var response = new JsonObject { ["uid"] = uid, ["allowed"] = true };
        switch (context.Request.Path.Value)
        {
            case "/deny":
                response["allowed"] = false;
                response["status"] = new JsonObject { ["code"] = 403, ["reason"] = "Forbidden", ["message"] = "no thanks" };
                break;
            case "/mutate":
                var patch = new JsonArray(new JsonObject { ["op"] = "add", ["path"] = "/metadata/labels/mutated", ["value"] = "yes" });
                response["patchType"] = "JSONPatch";
                response["patch"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(patch.ToJsonString()));
                break;
            case "/slow":
                await Task.Delay(TimeSpan.FromSeconds(5), context.RequestAborted);
                break;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(new JsonObject { ["apiVersion"] = "admission.k8s.io/v1", ["kind"] = "AdmissionReview", ["response"] = response }.ToJsonString());
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _serving?.Dispose();
    }
}

/// <summary>Admission webhooks called over HTTPS with AdmissionReview v1.</summary>
public sealed class AdmissionWebhookTests(LocalClusterFixture cluster, WebhookServerFixture hook)
    : IClassFixture<LocalClusterFixture>, IClassFixture<WebhookServerFixture>
{
    private const string ConfigMaps = "api/v1/namespaces/default/configmaps";
    private readonly HttpClient _http = cluster.Http;

    private async Task RegisterAsync(string kind, string name, JsonObject clientConfig, string testLabel, JsonObject? extra = null)
    {
        clientConfig["caBundle"] = hook.CaBundle;
        var webhook = new JsonObject
        {
            ["name"] = name,
            ["clientConfig"] = clientConfig,
            ["rules"] = new JsonArray(new JsonObject
            {
                ["apiGroups"] = new JsonArray(""),
                ["apiVersions"] = new JsonArray("v1"),
                ["resources"] = new JsonArray("configmaps"),
                ["operations"] = new JsonArray("CREATE", "UPDATE"),
                ["scope"] = "Namespaced",
            }),
            ["objectSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["test"] = testLabel } },
            ["sideEffects"] = "None",
            ["admissionReviewVersions"] = new JsonArray("v1"),
        };
        foreach (var (key, value) in extra ?? [])
        {
            webhook[key] = value?.DeepClone();
        }

        var plural = kind == "Mutating" ? "mutatingwebhookconfigurations" : "validatingwebhookconfigurations";
        var (code, body) = await _http.PostAsync($"apis/admissionregistration.k8s.io/v1/{plural}", new JsonObject
        {
            ["apiVersion"] = "admissionregistration.k8s.io/v1",
            ["kind"] = $"{kind}WebhookConfiguration",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["webhooks"] = new JsonArray(webhook),
        });
        Assert.True(code == 201, body.ToJsonString());
    }

    private JsonObject Url(string path) => new() { ["url"] = $"https://127.0.0.1:{hook.Port}{path}" };

    private static JsonObject Labelled(string name, string testLabel) => Api.ConfigMap(name, labels: new JsonObject { ["test"] = testLabel });

    [Fact]
    public async Task A_validating_webhook_denies_a_create_with_its_message_and_sees_an_AdmissionReview()
    {
        await RegisterAsync("Validating", "deny.test.sympozium.ai", Url("/deny"), "deny");
        var (code, status) = await _http.PostAsync(ConfigMaps, Labelled("denied", "deny"));
        Assert.Equal(403, code);
        Assert.Equal("admission webhook \"deny.test.sympozium.ai\" denied the request: no thanks", status["message"]!.GetValue<string>());
        Assert.Equal("Forbidden", status["reason"]!.GetValue<string>());

        var request = hook.Reviews.Select(r => r["request"]!).Last(r => r["name"]?.GetValue<string>() == "denied");
        Assert.Equal("CREATE", request["operation"]!.GetValue<string>());
        Assert.Equal("default", request["namespace"]!.GetValue<string>());
        Assert.Equal("ConfigMap", request["kind"]!["kind"]!.GetValue<string>());
        Assert.Equal("configmaps", request["resource"]!["resource"]!.GetValue<string>());
        Assert.False(request["dryRun"]!.GetValue<bool>());
        Assert.Equal("denied", request["object"]!["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("CreateOptions", request["options"]!["kind"]!.GetValue<string>());

        // The objectSelector skips objects without the label.
        Assert.Equal(201, (await _http.PostAsync(ConfigMaps, Labelled("not-selected", "other"))).Code);
    }

    [Fact]
    public async Task A_mutating_webhook_behind_a_Service_adds_a_label_with_a_JSONPatch()
    {
        await _http.PostAsync("api/v1/namespaces/default/services", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = new JsonObject { ["name"] = "hook" },
            ["spec"] = new JsonObject { ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = 443, ["targetPort"] = hook.Port }) },
        });
        await _http.PostAsync("api/v1/namespaces/default/endpoints", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Endpoints",
            ["metadata"] = new JsonObject { ["name"] = "hook" },
            ["subsets"] = new JsonArray(new JsonObject
            {
                ["addresses"] = new JsonArray(new JsonObject { ["ip"] = "127.0.0.1" }),
                ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = hook.Port }),
            }),
        });
        await RegisterAsync("Mutating", "mutate.test.sympozium.ai",
            new JsonObject { ["service"] = new JsonObject { ["namespace"] = "default", ["name"] = "hook", ["path"] = "/mutate" } }, "mutate");
        var (code, created) = await _http.PostAsync(ConfigMaps, Labelled("mutated", "mutate"));
        Assert.True(code == 201, created.ToJsonString());
        Assert.Equal("yes", created["metadata"]!["labels"]!["mutated"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_webhook_that_is_down_rejects_with_failurePolicy_Fail_and_is_skipped_with_Ignore()
    {
        int closedPort;
        using (var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        await RegisterAsync("Validating", "down-fail.test.sympozium.ai", new JsonObject { ["url"] = $"https://127.0.0.1:{closedPort}/" }, "down-fail",
            new JsonObject { ["failurePolicy"] = "Fail" });
        await RegisterAsync("Validating", "down-ignore.test.sympozium.ai", new JsonObject { ["url"] = $"https://127.0.0.1:{closedPort}/" }, "down-ignore",
            new JsonObject { ["failurePolicy"] = "Ignore" });

        var (code, status) = await _http.PostAsync(ConfigMaps, Labelled("down-fail", "down-fail"));
        Assert.Equal(500, code);
        Assert.Equal("InternalError", status["reason"]!.GetValue<string>());
        Assert.StartsWith("Internal error occurred: failed calling webhook \"down-fail.test.sympozium.ai\": failed to call webhook:",
            status["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(201, (await _http.PostAsync(ConfigMaps, Labelled("down-ignore", "down-ignore"))).Code);
    }

    [Fact]
    public async Task A_namespaceSelector_that_does_not_match_skips_the_webhook()
    {
        await RegisterAsync("Validating", "ns-selected.test.sympozium.ai", Url("/deny"), "ns-selected",
            new JsonObject { ["namespaceSelector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["webhooks"] = "on" } } });
        Assert.Equal(201, (await _http.PostAsync(ConfigMaps, Labelled("ns-skipped", "ns-selected"))).Code);

        await _http.PostAsync("api/v1/namespaces", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Namespace",
            ["metadata"] = new JsonObject { ["name"] = "hooked", ["labels"] = new JsonObject { ["webhooks"] = "on" } },
        });
        var (code, _) = await _http.PostAsync("api/v1/namespaces/hooked/configmaps", Labelled("ns-denied", "ns-selected"));
        Assert.Equal(403, code);
    }

    [Fact]
    public async Task TimeoutSeconds_is_honoured_and_a_timeout_is_a_failure()
    {
        await RegisterAsync("Validating", "slow.test.sympozium.ai", Url("/slow"), "slow",
            new JsonObject { ["timeoutSeconds"] = 1, ["failurePolicy"] = "Fail" });
        var started = DateTime.UtcNow;
        var (code, status) = await _http.PostAsync(ConfigMaps, Labelled("slow", "slow"));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(4));
        Assert.Equal(500, code);
        Assert.Contains("context deadline exceeded", status["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_update_is_validated_with_the_old_object_and_a_status_update_only_by_status_rules()
    {
        Assert.Equal(201, (await _http.PostAsync(ConfigMaps, Labelled("updated", "upd"))).Code);
        await RegisterAsync("Validating", "upd.test.sympozium.ai", Url("/deny"), "upd");
        var (_, cm) = await _http.GetJsonAsync($"{ConfigMaps}/updated");
        cm["data"]!["k"] = "changed";
        var (code, _) = await _http.PutAsync($"{ConfigMaps}/updated", cm);
        Assert.Equal(403, code);
        var request = hook.Reviews.Select(r => r["request"]!).Last(r => r["name"]?.GetValue<string>() == "updated");
        Assert.Equal("UPDATE", request["operation"]!.GetValue<string>());
        Assert.Equal("v", request["oldObject"]!["data"]!["k"]!.GetValue<string>());
    }
}
