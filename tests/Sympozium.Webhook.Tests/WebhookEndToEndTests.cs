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
using Sympozium.Webhook.Admission;
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
    private async Task<int> StartWebhookAsync()
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
        return port;
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

    /// <summary>Any request to the API server: its status and body, or the message of a refusal (a denial is not a test failure here).</summary>
    private async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpMethod method, string path, JsonNode body, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        using var response = await _connection.SendAsync(request, HttpCompletionOption.ResponseContentRead, CancellationToken.None);
        var text = await response.Content.ReadAsStringAsync();

        // A refusal is a metav1.Status: its message is what kubectl shows.
        return (response.StatusCode, response.IsSuccessStatusCode ? text : JsonNode.Parse(text)?["message"]?.GetValue<string>() ?? text);
    }

    /// <summary>Starts the webhook and registers the shipped configurations, waiting until both carry the webhook's CA.</summary>
    private async Task<int> StartRegisteredWebhookAsync()
    {
        var port = await StartWebhookAsync();
        var manifest = await File.ReadAllTextAsync(Path.Combine(TestObjects.RepoRoot, "deploy", "control-plane", "webhook.yaml"));
        foreach (var configuration in YamlJson.ParseDocuments(manifest).Where(d => d["kind"]!.GetValue<string>().EndsWith("WebhookConfiguration", StringComparison.Ordinal)))
        {
            var kind = configuration["kind"]!.GetValue<string>().ToLowerInvariant() + "s";
            await PostAsync("/apis/admissionregistration.k8s.io/v1/" + kind, configuration.AsObject());
            var path = $"/apis/admissionregistration.k8s.io/v1/{kind}/{configuration["metadata"]!["name"]!.GetValue<string>()}";
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while ((await GetAsync(path))?["webhooks"]?[0]?["clientConfig"]?["caBundle"] is null)
            {
                Assert.True(DateTime.UtcNow < deadline, path + " never got a caBundle");
                await Task.Delay(100);
            }
        }

        return port;
    }

    private static JsonObject Manifest(string yaml) => YamlJson.Parse(yaml).AsObject();

    private static JsonObject PolicyManifest(string name, string spec, bool isDefault = false) => Manifest($"""
        apiVersion: sympozium.ai/v1alpha1
        kind: SympoziumPolicy
        metadata:
          name: {name}
          namespace: {Ns}
          labels: {(isDefault ? "{sympozium.ai/default-policy: \"true\"}" : "{}")}
        spec: {spec}
        """);

    private static JsonObject InstanceManifest(string name, string? policyRef, string extra = "") => Manifest($"""
        apiVersion: sympozium.ai/v1alpha1
        kind: SympoziumInstance
        metadata:
          name: {name}
          namespace: {Ns}
        spec:
          {(policyRef is null ? "" : "policyRef: " + policyRef)}
          agents:
            default:
              model: gpt-4o
        {extra}
        """);

    private const string Collection = $"/apis/sympozium.ai/v1alpha1/namespaces/{Ns}/";

    [Fact]
    public async Task An_instance_dropping_its_policyRef_through_the_API_server_is_denied_with_the_reason()
    {
        await StartRegisteredWebhookAsync();
        await PostAsync(Collection + "sympoziumpolicies", PolicyManifest("guarded", "{sandboxPolicy: {required: true}}"));
        await PostAsync(Collection + "sympoziuminstances", InstanceManifest("assistant", "guarded"));

        var (status, body) = await SendAsync(HttpMethod.Patch, Collection + "sympoziuminstances/assistant", JsonNode.Parse("""{"spec":{"policyRef":null}}""")!, "application/merge-patch+json");

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains(
            "admission webhook \"vagentpod.sympozium.ai\" denied the request: SympoziumInstance sympozium-system/assistant violates SympoziumPolicy guarded: spec.policyRef \"guarded\" cannot be removed",
            body,
            StringComparison.Ordinal);
        Assert.Equal("guarded", (await GetAsync(Collection + "sympoziuminstances/assistant"))!["spec"]!["policyRef"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_namespace_default_policy_governs_an_instance_naming_none_and_a_second_default_is_denied_naming_both()
    {
        await StartRegisteredWebhookAsync();
        await PostAsync(Collection + "sympoziumpolicies", PolicyManifest("house-rules", "{toolGating: {rules: [{tool: write_file, action: deny}]}}", isDefault: true));
        await PostAsync(Collection + "sympoziuminstances", InstanceManifest("assistant", policyRef: null));

        // A run breaking the default is denied although its instance names no policy.
        var (status, body) = await SendAsync(HttpMethod.Post, Collection + "agentruns", Manifest(Run("writer", "  toolPolicy:\n    allow: [write_file]")));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("AgentRun sympozium-system/writer violates SympoziumPolicy house-rules (the default of namespace sympozium-system): tool \"write_file\" is denied by policy", body, StringComparison.Ordinal);

        // A second default would leave that instance without one answer: refused, naming both.
        (status, body) = await SendAsync(HttpMethod.Post, Collection + "sympoziumpolicies", PolicyManifest("other-rules", "{}", isDefault: true));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("namespace sympozium-system has more than one default SympoziumPolicy (house-rules, other-rules, label sympozium.ai/default-policy: \"true\")", body, StringComparison.Ordinal);
        Assert.Null(await GetAsync(Collection + "sympoziumpolicies/other-rules"));
    }

    [Fact]
    public async Task A_run_turning_seccomp_off_or_mounting_a_privileged_sidecar_is_refused_without_a_policy_allowing_host_access()
    {
        await StartRegisteredWebhookAsync();
        await PostAsync(Collection + "skillpacks", Manifest($"""
            apiVersion: sympozium.ai/v1alpha1
            kind: SkillPack
            metadata:
              name: node-debug
              namespace: {Ns}
            spec:
              skills:
                - name: debug
                  content: Debug the node.
              sidecar:
                image: busybox
                hostAccess:
                  enabled: true
                  privileged: true
            """));
        await PostAsync(Collection + "sympoziuminstances", InstanceManifest("assistant", policyRef: null));

        var (status, body) = await SendAsync(HttpMethod.Post, Collection + "agentruns", Manifest(Run("unconfined", "  sandbox:\n    enabled: true\n    securityContext:\n      seccompProfile: {type: Unconfined}")));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("AgentRun sympozium-system/unconfined: spec.sandbox.securityContext.seccompProfile.type asks for seccomp Unconfined, which escapes the pod's isolation", body, StringComparison.Ordinal);

        (status, body) = await SendAsync(HttpMethod.Post, Collection + "agentruns", Manifest(Run("privileged", "  skills: [{skillPackRef: node-debug}]")));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("AgentRun sympozium-system/privileged: SkillPack node-debug requests host access (privileged)", body, StringComparison.Ordinal);

        // Under a policy that allows host access the same run is admitted.
        await PostAsync(Collection + "sympoziumpolicies", PolicyManifest("host-ok", "{hostAccess: {allowed: true}}"));
        await PostAsync(Collection + "sympoziuminstances", InstanceManifest("node-admin", "host-ok"));
        var admitted = Manifest(Run("privileged", "  skills: [{skillPackRef: node-debug}]"));
        admitted["spec"]!["instanceRef"] = "node-admin";
        (status, body) = await SendAsync(HttpMethod.Post, Collection + "agentruns", admitted);
        Assert.True(status == HttpStatusCode.Created, body);
    }

    [Fact]
    public async Task Malformed_mistyped_requestless_oversized_and_stalled_reviews_get_a_clear_4xx()
    {
        var port = await StartWebhookAsync();
        var serving = _webhook!.Services.GetRequiredService<ServingCertificate>().Certificate;
        using var handler = new SocketsHttpHandler
        {
            // Trust exactly the certificate this webhook serves.
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == serving.GetCertHashString() },
        };
        using var http = new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{port}") };

        async Task<(int Status, string Body)> PostRawAsync(string body, string? contentType)
        {
            using var content = new StringContent(body);
            content.Headers.ContentType = contentType is null ? null : System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
            using var response = await http.PostAsync(new Uri("/validate-agent-pods", UriKind.Relative), content);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        var wrongType = await PostRawAsync("{}", "text/plain");
        Assert.Equal(415, wrongType.Status);
        Assert.Contains("Content-Type \"text/plain\" is not accepted: send the AdmissionReview as application/json", wrongType.Body, StringComparison.Ordinal);
        Assert.Equal(415, (await PostRawAsync("{}", null)).Status);

        var malformed = await PostRawAsync("{\"request\": {", "application/json; charset=utf-8");
        Assert.Equal(400, malformed.Status);
        Assert.StartsWith("the body is not an AdmissionReview: ", malformed.Body, StringComparison.Ordinal);

        var requestless = await PostRawAsync("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}""", "application/json");
        Assert.Equal(400, requestless.Status);
        Assert.StartsWith("the AdmissionReview has no request", requestless.Body, StringComparison.Ordinal);

        var typeConfusion = await PostRawAsync("""{"request":{"uid":"u","object":"not an object"}}""", "application/json");
        Assert.Equal(400, typeConfusion.Status);

        // Over the cap, announced by Content-Length: refused before the body is read.
        var (announced, _) = await RawExchangeAsync(port, serving, $"Content-Length: {AdmissionEndpoints.MaxBodyBytes + 1}\r\n", body: [], closeAfter: false);
        Assert.StartsWith("HTTP/1.1 413", announced, StringComparison.Ordinal);
        Assert.Contains("larger than 3 MiB", announced, StringComparison.Ordinal);

        // Over the cap without a length (chunked): refused once the cap is passed.
        var chunk = new byte[64 * 1024];
        Array.Fill(chunk, (byte)' ');
        var chunked = new List<byte>();
        for (long sent = 0; sent <= AdmissionEndpoints.MaxBodyBytes; sent += chunk.Length)
        {
            chunked.AddRange(System.Text.Encoding.ASCII.GetBytes($"{chunk.Length:x}\r\n"));
            chunked.AddRange(chunk);
            chunked.AddRange("\r\n"u8.ToArray());
        }

        chunked.AddRange("0\r\n\r\n"u8.ToArray());
        var (streamed, _) = await RawExchangeAsync(port, serving, "Transfer-Encoding: chunked\r\n", [.. chunked], closeAfter: false);
        Assert.StartsWith("HTTP/1.1 413", streamed, StringComparison.Ordinal);

        // A body that never arrives is answered, not waited on for ever.
        var (stalled, _) = await RawExchangeAsync(port, serving, "Content-Length: 100\r\n", "{\"request\":"u8.ToArray(), closeAfter: false);
        Assert.StartsWith("HTTP/1.1 408", stalled, StringComparison.Ordinal);
    }

    /// <summary>
    /// One POST over a raw TLS connection (headers as given, then <paramref name="body"/>), and the
    /// response as text: what HttpClient will not send (a length it does not keep, a stalled body).
    /// </summary>
    private static async Task<(string Response, bool Closed)> RawExchangeAsync(int port, System.Security.Cryptography.X509Certificates.X509Certificate2 serving, string headers, byte[] body, bool closeAfter)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port, deadline.Token);
        await using var tls = new System.Net.Security.SslStream(tcp.GetStream(), false, (_, certificate, _, _) => certificate is not null && certificate.GetCertHashString() == serving.GetCertHashString());
        await tls.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions { TargetHost = "localhost" }, deadline.Token);
        var head = $"POST /validate-agent-pods HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n{headers}{(closeAfter ? "Connection: close\r\n" : "")}\r\n";
        await tls.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head), deadline.Token);
        try
        {
            await tls.WriteAsync(body, deadline.Token);
            await tls.FlushAsync(deadline.Token);
        }
        catch (IOException)
        {
            // The server may stop reading once it has refused; its answer is still there to read.
        }

        var received = new List<byte>();
        var buffer = new byte[16 * 1024];
        var closed = false;
        while (!deadline.IsCancellationRequested)
        {
            int read;
            try
            {
                read = await tls.ReadAsync(buffer, deadline.Token);
            }
            catch (IOException)
            {
                closed = true;
                break;
            }

            if (read == 0)
            {
                closed = true;
                break;
            }

            received.AddRange(buffer.AsSpan(0, read).ToArray());
            var text = System.Text.Encoding.UTF8.GetString([.. received]);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0 && ResponseComplete(text, end))
            {
                return (text, closed);
            }
        }

        return (System.Text.Encoding.UTF8.GetString([.. received]), closed);
    }

    /// <summary>True once the whole body a response's Content-Length (or final chunk) announces has arrived.</summary>
    private static bool ResponseComplete(string text, int headerEnd)
    {
        var headers = text[..headerEnd];
        var bodyText = text[(headerEnd + 4)..];
        var length = headers.Split("\r\n").FirstOrDefault(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
        if (length is not null)
        {
            return System.Text.Encoding.UTF8.GetByteCount(bodyText) >= int.Parse(length["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }

        return bodyText.EndsWith("0\r\n\r\n", StringComparison.Ordinal);
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
