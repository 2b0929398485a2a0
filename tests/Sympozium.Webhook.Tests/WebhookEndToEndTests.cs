using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Sympozium.Api.Serialization;
using Sympozium.Api.Validation;
using Sympozium.Kubernetes.Client;
using Sympozium.LocalCluster;
using Sympozium.Webhook.Certificates;

namespace Sympozium.Webhook.Tests;

/// <summary>
/// The webhook end to end: the local cluster calls it over HTTPS through the shipped
/// configurations (deploy/control-plane/webhook.yaml, caBundle written by the webhook), and
/// kubectl sees the policy's answers; with the webhook down, validation fails closed.
/// </summary>
public sealed partial class WebhookEndToEndTests : IAsyncLifetime
{
    private const string Ns = "sympozium-system";
    private readonly string _directory = Directory.CreateTempSubdirectory("sympozium-webhook-e2e-").FullName;
    private LocalClusterServer _cluster = null!;
    private KubernetesConnection _connection = null!;
    private WebApplication? _webhook;

    public async Task InitializeAsync()
    {
        _cluster = await LocalClusterServer.StartAsync(new LocalClusterOptions { Directory = _directory });
        _connection = KubernetesConnection.FromKubeconfig(_cluster.KubeconfigPath);
        foreach (var (_, yaml) in CrdSchemas.Manifests())
        {
            await PostAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", YamlJson.Parse(yaml).AsObject());
        }

        await PostAsync("/api/v1/namespaces", new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = Ns } });
    }

    public async Task DisposeAsync()
    {
        await StopWebhookAsync();
        _connection.Dispose();
        await _cluster.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task PostAsync(string path, JsonObject body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative))
        {
            Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        using var response = await _connection.SendAsync(request, HttpCompletionOption.ResponseContentRead, CancellationToken.None);
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private async Task<JsonObject?> GetAsync(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        using var response = await _connection.SendAsync(request, HttpCompletionOption.ResponseContentRead, CancellationToken.None);
        return response.StatusCode == HttpStatusCode.NotFound ? null : JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    /// <summary>Starts the webhook on a free loopback port behind the Service the shipped configurations name.</summary>
    private async Task StartWebhookAsync()
    {
        var options = new WebhookOptions
        {
            Port = 0,
            BindAddress = IPAddress.Loopback,
            Namespace = Ns,
            CertificateDirectory = Path.Combine(_directory, "no-certs"),
            CaBundleRecheck = TimeSpan.FromMilliseconds(200),
        };
        _webhook = await WebhookHost.BuildAsync(options, _connection, logging: _ => { });
        await _webhook.StartAsync();
        var port = new Uri(_webhook.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;

        await PostAsync($"/api/v1/namespaces/{Ns}/services", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = new JsonObject { ["name"] = options.ServiceName },
            ["spec"] = new JsonObject { ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = 443, ["targetPort"] = port }) },
        });
        await PostAsync($"/api/v1/namespaces/{Ns}/endpoints", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Endpoints",
            ["metadata"] = new JsonObject { ["name"] = options.ServiceName },
            ["subsets"] = new JsonArray(new JsonObject
            {
                ["addresses"] = new JsonArray(new JsonObject { ["ip"] = "127.0.0.1" }),
                ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = port }),
            }),
        });
    }

    private async Task StopWebhookAsync()
    {
        if (_webhook is not null)
        {
            await _webhook.StopAsync();
            await _webhook.DisposeAsync();
            _webhook = null;
        }
    }

    private Task<(int ExitCode, string Stdout, string Stderr)> KubectlAsync(string? stdin, params string[] args) => Kubectl.RunAsync(_cluster.KubeconfigPath, stdin, args);

    private static string Run(string name, string extra = "") => $"""
        apiVersion: sympozium.ai/v1alpha1
        kind: AgentRun
        metadata:
          name: {name}
          namespace: {Ns}
        spec:
          instanceRef: assistant
          agentId: primary
          sessionKey: ""
          task: summarise the cluster events
          model:
            provider: openai
            model: gpt-4o
            authSecretRef: ""
        {extra}
        """;

    private static string SkillPackYaml(string name, string first, string second) => $"""
        apiVersion: sympozium.ai/v1alpha1
        kind: SkillPack
        metadata:
          name: {name}
          namespace: {Ns}
        spec:
          skills:
            - name: {first}
              content: Read pods and events.
            - name: {second}
              content: Change deployments.
        """;

    [KubectlFact]
    public async Task Kubectl_sees_denials_with_the_policy_message_defaults_on_admission_and_a_closed_door_when_the_webhook_is_down()
    {
        await StartWebhookAsync();

        // The shipped webhook configurations, as an install applies them: no caBundle in them.
        var manifest = await File.ReadAllTextAsync(Path.Combine(TestObjects.RepoRoot, "deploy", "control-plane", "webhook.yaml"));
        var configurations = YamlJson.ParseDocuments(manifest).Where(d => d["kind"]!.GetValue<string>().EndsWith("WebhookConfiguration", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, configurations.Count);
        var applied = await KubectlAsync(YamlJson.WriteDocuments(configurations), "apply", "-f", "-");
        Assert.True(applied.ExitCode == 0, applied.Stderr);

        // The webhook writes its CA into both.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        foreach (var path in new[] { "validatingwebhookconfigurations/sympozium-webhook", "mutatingwebhookconfigurations/sympozium-mutating-webhook" })
        {
            while ((await GetAsync("/apis/admissionregistration.k8s.io/v1/" + path))?["webhooks"]?[0]?["clientConfig"]?["caBundle"] is null)
            {
                Assert.True(DateTime.UtcNow < deadline, path + " never got a caBundle");
                await Task.Delay(100);
            }
        }

        // The presets pass the webhook's own validation; an instance binds to the restrictive one.
        var presets = await KubectlAsync(null, "apply", "-f", Path.Combine(TestObjects.RepoRoot, "deploy", "policies"));
        Assert.True(presets.ExitCode == 0, presets.Stderr);
        var instance = await KubectlAsync($"""
            apiVersion: sympozium.ai/v1alpha1
            kind: SympoziumInstance
            metadata:
              name: assistant
              namespace: {Ns}
            spec:
              policyRef: restrictive
              agents:
                default:
                  model: gpt-4o
            """, "apply", "-f", "-");
        Assert.True(instance.ExitCode == 0, instance.Stderr);
        var instanceJson = await GetAsync($"/apis/sympozium.ai/v1alpha1/namespaces/{Ns}/sympoziuminstances/assistant");
        Assert.True(instanceJson!["spec"]!["agents"]!["default"]!["sandbox"]!["enabled"]!.GetValue<bool>(), "the mutating webhook enables the sandbox the policy requires");

        // A violating run is denied with the policy's message.
        var denied = await KubectlAsync(Run("bad", "  toolPolicy:\n    allow: [read_file, write_file]"), "apply", "-f", "-");
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains("admission webhook \"vagentpod.sympozium.ai\" denied the request: AgentRun sympozium-system/bad violates SympoziumPolicy restrictive: tool \"write_file\" is denied by policy", denied.Stderr, StringComparison.Ordinal);
        Assert.Null(await GetAsync($"/apis/sympozium.ai/v1alpha1/namespaces/{Ns}/agentruns/bad"));

        // A compliant run is admitted, with the policy's defaults applied.
        var admitted = await KubectlAsync(Run("good"), "apply", "-f", "-");
        Assert.True(admitted.ExitCode == 0, admitted.Stderr);
        var (code, json, error) = await KubectlAsync(null, "get", "agentrun", "good", "-n", Ns, "-o", "json");
        Assert.True(code == 0, error);
        var run = JsonNode.Parse(json)!.Deserialize(SympoziumJsonContext.Default.AgentRun)!;
        Assert.True(run.Spec.Sandbox!.Enabled);
        Assert.Equal(["read_file", "list_directory", "send_channel_message"], run.Spec.ToolPolicy!.Allow!);
        Assert.Equal(["write_file", "fetch_url"], run.Spec.ToolPolicy.Deny!);
        Assert.Equal("agent", run.Metadata.Labels!["sympozium.ai/role"]);
        Assert.Equal("true", run.Metadata.Labels["sympozium.ai/sandbox"]);

        // A label change is a metadata-only update: admitted without a look at the policy.
        var labelled = await KubectlAsync(null, "label", "agentrun", "good", "-n", Ns, "team=a");
        Assert.True(labelled.ExitCode == 0, labelled.Stderr);

        // Every kind passes the same gate: a SkillPack whose skills clash can never be mounted,
        // so it is refused at apply time, naming the field (a rule no CRD schema can express).
        var clash = await KubectlAsync(SkillPackYaml("clash", "k8s-read", "k8s-read"), "apply", "-f", "-");
        Assert.NotEqual(0, clash.ExitCode);
        Assert.Contains("admission webhook \"vagentpod.sympozium.ai\" denied the request: SkillPack sympozium-system/clash: spec.skills[1].name: \"k8s-read\" is already used by spec.skills[0]; each name must be unique", clash.Stderr, StringComparison.Ordinal);
        Assert.Null(await GetAsync($"/apis/sympozium.ai/v1alpha1/namespaces/{Ns}/skillpacks/clash"));

        // A valid one is admitted, and changing it into a clash is refused like creating one.
        var pack = await KubectlAsync(SkillPackYaml("tools", "k8s-read", "k8s-write"), "apply", "-f", "-");
        Assert.True(pack.ExitCode == 0, pack.Stderr);
        var clashingUpdate = await KubectlAsync(SkillPackYaml("tools", "k8s-read", "k8s-read"), "apply", "-f", "-");
        Assert.NotEqual(0, clashingUpdate.ExitCode);
        Assert.Contains("SkillPack sympozium-system/tools: spec.skills[1].name: \"k8s-read\" is already used by spec.skills[0]", clashingUpdate.Stderr, StringComparison.Ordinal);

        // A schedule whose cron can never fire is refused naming spec.schedule. (Five fields pass
        // the CRD's pattern on a real API server, so there the webhook refuses it; the local
        // cluster checks the cron ranges with its schema already.)
        var schedule = await KubectlAsync($"""
            apiVersion: sympozium.ai/v1alpha1
            kind: SympoziumSchedule
            metadata:
              name: never
              namespace: {Ns}
            spec:
              instanceRef: assistant
              schedule: "61 * * * *"
              task: post the summary
            """, "apply", "-f", "-");
        Assert.NotEqual(0, schedule.ExitCode);
        Assert.Contains("spec.schedule", schedule.Stderr, StringComparison.Ordinal);
        Assert.Null(await GetAsync($"/apis/sympozium.ai/v1alpha1/namespaces/{Ns}/sympoziumschedules/never"));

        // The denial is recorded as an Event on the policy, for its status.
        deadline = DateTime.UtcNow.AddSeconds(10);
        while (!((await GetAsync($"/api/v1/namespaces/{Ns}/events"))!["items"] as JsonArray ?? []).Any(e => e?["reason"]?.GetValue<string>() == "AdmissionDenied"
                   && e["involvedObject"]?["name"]?.GetValue<string>() == "restrictive" && e["related"]?["name"]?.GetValue<string>() == "bad"))
        {
            Assert.True(DateTime.UtcNow < deadline, "no AdmissionDenied Event on the policy");
            await Task.Delay(100);
        }

        // The CA survives a restart: it is kept in a Secret, so the configurations stay valid.
        Assert.NotNull(await GetAsync($"/api/v1/namespaces/{Ns}/secrets/sympozium-webhook-ca"));

        // Webhook down: validation fails closed.
        await StopWebhookAsync();
        var closed = await KubectlAsync(Run("while-down"), "apply", "-f", "-");
        Assert.NotEqual(0, closed.ExitCode);
        Assert.Contains("failed calling webhook", closed.Stderr, StringComparison.Ordinal);
        Assert.Null(await GetAsync($"/apis/sympozium.ai/v1alpha1/namespaces/{Ns}/agentruns/while-down"));
    }

    [Fact]
    public async Task A_restarted_webhook_serves_the_CA_kept_in_its_Secret()
    {
        var options = new WebhookOptions { Namespace = Ns, CertificateDirectory = Path.Combine(_directory, "no-certs") };
        var logger = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        var (first, firstOrigin) = await CertificateSource.LoadAsync(options, _connection, logger, TimeProvider.System, default);
        var (second, secondOrigin) = await CertificateSource.LoadAsync(options, _connection, logger, TimeProvider.System, default);
        using (first)
        using (second)
        {
            Assert.Equal((CertificateOrigin.Generated, CertificateOrigin.Secret), (firstOrigin, secondOrigin));
            Assert.Equal(first.CaPem, second.CaPem);
            Assert.Equal(first.Certificate.Thumbprint, second.Certificate.Thumbprint);
            Assert.True(second.Covers(["sympozium-webhook-service.sympozium-system.svc"], DateTimeOffset.UtcNow));
            Assert.False(second.Covers(["other.sympozium-system.svc"], DateTimeOffset.UtcNow));
        }

        // Asked to cover another host, it renews the stored certificate with the same Secret.
        var (third, thirdOrigin) = await CertificateSource.LoadAsync(options with { ExtraHosts = ["127.0.0.1"] }, _connection, logger, TimeProvider.System, default);
        using (third)
        {
            Assert.Equal(CertificateOrigin.Generated, thirdOrigin);
            Assert.True(third.Covers(["127.0.0.1"], DateTimeOffset.UtcNow));
        }
    }
}
