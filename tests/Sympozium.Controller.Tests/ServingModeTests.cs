using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Sympozium.Api.Kinds;
using Sympozium.Api.Meta;
using Sympozium.Api.Serialization;
using Sympozium.Api.Validation;
using Sympozium.Controller.Builders;
using Sympozium.Controller.Reconcilers;
using Sympozium.Kubernetes;
using Sympozium.Kubernetes.Client;
using Sympozium.Kubernetes.Reconcile;
using Sympozium.LocalCluster;

namespace Sympozium.Controller.Tests;

/// <summary>
/// Serving mode (docs/design/serving.md, agent-runs.md#deletion, upstream-fixes.md#cp-15 fixed: a
/// route that differs is rewritten). The AgentRun reconciler runs in-process against the local
/// cluster without a kubelet, and the tests play the gateway controller, so readiness and routes
/// are deterministic.
/// </summary>
public sealed class ServingModeTests : IAsyncLifetime
{
    private const string Ns = "default";
    private const string System = "sympozium-system";
    private const string Instance = "alice";
    private const string RunName = "alice-web-endpoint";
    private const string ProxyImage = "registry.test/sympozium/web-proxy:v1";
    private readonly string _directory = Directory.CreateTempSubdirectory("sympozium-serving-tests-").FullName;
    private LocalClusterServer _server = null!;
    private KubernetesConnection _connection = null!;

    private Clients Clients => new(_connection);

    private static ControllerOptions Options { get; } = new() { Namespace = Ns, Images = new ControllerImages { Registry = "registry.test/sympozium", Tag = "v1" } };

    public async Task InitializeAsync()
    {
        _server = await LocalClusterServer.StartAsync(new LocalClusterOptions { Directory = _directory, RunKubelet = false });
        _connection = KubernetesConnection.FromKubeconfig(_server.KubeconfigPath);
        foreach (var (_, yaml) in CrdSchemas.Manifests())
        {
            await PostAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", YamlJson.Parse(yaml).ToJsonString());
        }

        await PostAsync("/api/v1/namespaces", $$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{System}}}"}}""");
        await Clients.Instances.CreateAsync(Ns, new SympoziumInstance { Metadata = { Name = Instance, Namespace = Ns }, Spec = { Agents = { Default = { Model = "gpt-4o" } } } });
        await Clients.SkillPacks.CreateAsync(Ns, new SkillPack
        {
            Metadata = { Name = "web-endpoint", Namespace = Ns },
            Spec =
            {
                Skills = [new Skill { Name = "web", Content = "Serve HTTP." }],
                Sidecar = new SkillSidecar
                {
                    Image = ProxyImage,
                    RequiresServer = true,
                    MountWorkspace = false,
                    Ports = [new SidecarPort { Name = "http", ContainerPort = 8080 }],
                    Env = [new EnvVar { Name = "EVENT_BUS_URL", Value = "nats://nats.sympozium-system.svc:4222" }],
                    Resources = new SidecarResources { Cpu = "100m", Memory = "128Mi" },
                    Rbac = [new RbacRule { ApiGroups = ["sympozium.ai"], Resources = ["agentruns"], Verbs = ["get", "list", "watch", "create"] }],
                },
            },
        });
    }

    public async Task DisposeAsync()
    {
        _connection.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Server_run_gets_a_deployment_service_and_generated_key_and_serves()
    {
        await CreateRunAsync();

        var result = await ReconcileUntilAsync(r => r.Status?.Phase == "Serving");

        var run = await GetRunAsync();
        Assert.Equal(("alice-web-endpoint-server", "alice-web-endpoint-server"), (run.Status!.DeploymentName, run.Status.ServiceName));
        Assert.NotNull(run.Status.StartedAt);
        Assert.Equal(ReconcileResult.RequeueAfter(TimeSpan.FromSeconds(30)), result);

        var deployment = (await Clients.Deployments.GetAsync(Ns, "alice-web-endpoint-server"))!;
        Assert.Equal("agent-server", deployment.Metadata.Labels["sympozium.ai/component"]);
        Assert.Equal(RunName, deployment.Spec.Selector.MatchLabels["sympozium.ai/agent-run"]);
        Assert.Equal(RunName, Assert.Single(deployment.Metadata.OwnerReferences).Name);
        var pod = deployment.Spec.Template.Spec;
        Assert.Equal(("sympozium-run-alice-web-endpoint", true), (pod.ServiceAccountName, pod.AutomountServiceAccountToken));
        var container = Assert.Single(pod.Containers);
        Assert.Equal(("web-proxy", ProxyImage), (container.Name, container.Image));
        Assert.Equal(Instance, container.Env.Single(e => e.Name == "INSTANCE_NAME").Value);
        var key = container.Env.Single(e => e.Name == "WEB_PROXY_API_KEY").ValueFrom.SecretKeyRef;
        Assert.Equal(("alice-web-proxy-key", "api-key"), (key.Name, key.Key));
        Assert.Equal(("/healthz", "8080"), (container.LivenessProbe.HttpGet.Path, container.LivenessProbe.HttpGet.Port.Value));
        Assert.Equal(("/healthz", "8080"), (container.ReadinessProbe.HttpGet.Path, container.ReadinessProbe.HttpGet.Port.Value));
        Assert.Equal(("500m", "256Mi"), (container.Resources.Limits["cpu"].ToString(), container.Resources.Limits["memory"].ToString()));
        Assert.DoesNotContain(container.Env, e => e.Name.StartsWith("RATE_LIMIT_", StringComparison.Ordinal));

        var service = (await Clients.Services.GetAsync(Ns, "alice-web-endpoint-server"))!;
        var port = Assert.Single(service.Spec.Ports);
        Assert.Equal((8080, "8080"), (port.Port, port.TargetPort.Value));
        Assert.Equal("agent-server", service.Spec.Selector["sympozium.ai/component"]);

        // The web-proxy creates child runs with the skill's grants, on the run's own ServiceAccount.
        var role = Assert.Single((await Clients.Roles.ListAsync(Ns, "sympozium.ai/agent-run=" + RunName)).Items);
        Assert.Contains("create", Assert.Single(role.Rules).Verbs);

        var apiKey = await ApiKeyAsync();
        Assert.Matches(new Regex("^sk-[0-9a-f]{48}$"), apiKey);

        // Re-checks keep the key and the server as they are.
        await Reconcile();
        Assert.Equal(apiKey, await ApiKeyAsync());
        run = await GetRunAsync();
        Assert.Equal("Serving", run.Status!.Phase);
        Assert.Equal(("False", "GatewayDisabled"), Condition(run, "Routed"));
    }

    [Fact]
    public async Task Own_auth_secret_and_rate_limit_params_reach_the_web_proxy_env()
    {
        await CreateRunAsync(new() { ["auth_secret_ref"] = "mine", ["rate_limit_rpm"] = "5", ["rate_limit_burst"] = "2" });

        await ReconcileUntilAsync(r => r.Status?.Phase == "Serving");

        Assert.Null(await Clients.Secrets.GetAsync(Ns, "alice-web-proxy-key"));
        var env = Assert.Single((await Clients.Deployments.GetAsync(Ns, "alice-web-endpoint-server"))!.Spec.Template.Spec.Containers).Env;
        Assert.Equal("mine", env.Single(e => e.Name == "WEB_PROXY_API_KEY").ValueFrom.SecretKeyRef.Name);
        Assert.Equal("5", env.Single(e => e.Name == "RATE_LIMIT_RPM").Value);
        Assert.Equal("2", env.Single(e => e.Name == "RATE_LIMIT_BURST").Value);
        Assert.Equal("5", env.Single(e => e.Name == "SKILL_RATE_LIMIT_RPM").Value);
        Assert.Equal("2", env.Single(e => e.Name == "SKILL_RATE_LIMIT_BURST").Value);
        Assert.Equal("mine", env.Single(e => e.Name == "SKILL_AUTH_SECRET_REF").Value);
    }

    [Fact]
    public async Task Route_waits_for_a_ready_gateway_then_follows_the_hostname_and_is_restored_after_a_hand_edit()
    {
        await InstallGatewayApiAsync();
        await Clients.Configs.CreateAsync(System, new SympoziumConfig
        {
            Metadata = { Name = "default", Namespace = System },
            Spec = { Gateway = new GatewaySpec { Enabled = true, BaseDomain = "ex.com" } },
        });
        await CreateRunAsync();

        // Gateway not ready: serving without a route, retried every 30 s.
        var result = await ReconcileUntilAsync(r => r.Status?.Phase == "Serving");
        Assert.Null(await Clients.HttpRoutes.GetAsync(Ns, "alice-web-endpoint-web"));
        Assert.Equal(("False", "GatewayNotReady"), Condition(await GetRunAsync(), "Routed"));
        Assert.Equal(ReconcileResult.RequeueAfter(TimeSpan.FromSeconds(30)), result);

        await Clients.Configs.MergePatchAsync(System, "default", """{"status":{"phase":"Ready","gateway":{"ready":true}}}""", status: true);
        result = await Reconcile();

        var route = (await Clients.HttpRoutes.GetAsync(Ns, "alice-web-endpoint-web"))!;
        Assert.Equal("alice.ex.com", (string?)Assert.Single(route["spec"]!["hostnames"]!.AsArray()));
        var parent = Assert.Single(route["spec"]!["parentRefs"]!.AsArray())!;
        Assert.Equal(("sympozium-gateway", System), ((string?)parent["name"], (string?)parent["namespace"]));
        var backend = Assert.Single(Assert.Single(route["spec"]!["rules"]!.AsArray())!["backendRefs"]!.AsArray())!;
        Assert.Equal(("alice-web-endpoint-server", 8080), ((string?)backend["name"], (int)backend["port"]!));
        Assert.Equal("agent-server", (string?)route["metadata"]!["labels"]!["sympozium.ai/component"]);
        Assert.Equal(("True", "Routed"), Condition(await GetRunAsync(), "Routed"));
        Assert.Equal(ReconcileResult.RequeueAfter(TimeSpan.FromSeconds(30)), result);

        // Upstream never touched an existing route: a hand edit is reverted.
        await Clients.HttpRoutes.MergePatchAsync(Ns, "alice-web-endpoint-web", """{"spec":{"hostnames":["evil.example"]}}""");
        await Reconcile();
        Assert.Equal("alice.ex.com", (string?)(await Clients.HttpRoutes.GetAsync(Ns, "alice-web-endpoint-web"))!["spec"]!["hostnames"]![0]);

        // The hostname param overrides <instance>.<baseDomain>, and a changed param moves the route.
        await Clients.Runs.MergePatchAsync(Ns, RunName, """{"spec":{"skills":[{"skillPackRef":"web-endpoint","params":{"hostname":"chat.example.org"}}]}}""");
        await Reconcile();
        Assert.Equal("chat.example.org", (string?)Assert.Single((await Clients.HttpRoutes.GetAsync(Ns, "alice-web-endpoint-web"))!["spec"]!["hostnames"]!.AsArray()));
    }

    [Fact]
    public async Task Server_deployment_deleted_externally_fails_the_run()
    {
        await CreateRunAsync();
        await ReconcileUntilAsync(r => r.Status?.Phase == "Serving");

        await Clients.Deployments.DeleteAsync(Ns, "alice-web-endpoint-server");
        await Reconcile();

        var run = await GetRunAsync();
        Assert.Equal("Failed", run.Status!.Phase);
        Assert.StartsWith("server Deployment not found", run.Status.Error, StringComparison.Ordinal);
        Assert.Equal(("True", "ServerDeploymentNotFound"), Condition(run, "Failed"));
    }

    [Fact]
    public async Task Deleting_a_serving_run_deletes_its_deployment_service_and_route_and_releases_it()
    {
        await InstallGatewayApiAsync();
        await Clients.Configs.CreateAsync(System, new SympoziumConfig
        {
            Metadata = { Name = "default", Namespace = System },
            Spec = { Gateway = new GatewaySpec { Enabled = true, BaseDomain = "ex.com" } },
        });
        await Clients.Configs.MergePatchAsync(System, "default", """{"status":{"phase":"Ready","gateway":{"ready":true}}}""", status: true);
        await CreateRunAsync();
        await ReconcileUntilAsync(r => r.Status?.Phase == "Serving");
        Assert.NotNull(await Clients.HttpRoutes.GetAsync(Ns, "alice-web-endpoint-web"));

        await Clients.Runs.DeleteAsync(Ns, RunName);
        Assert.NotNull((await GetRunAsync()).Metadata.DeletionTimestamp); // held by the finalizer
        await Reconcile();

        Assert.Null(await Clients.Runs.GetAsync(Ns, RunName));
        Assert.Null(await Clients.Deployments.GetAsync(Ns, "alice-web-endpoint-server"));
        Assert.Null(await Clients.Services.GetAsync(Ns, "alice-web-endpoint-server"));
        Assert.Null(await Clients.HttpRoutes.GetAsync(Ns, "alice-web-endpoint-web"));
        Assert.Empty((await Clients.Roles.ListAsync(Ns, "sympozium.ai/agent-run=" + RunName)).Items);
    }

    [Fact]
    public async Task Server_run_without_a_requires_server_sidecar_fails_and_creates_nothing()
    {
        await Clients.Runs.CreateAsync(Ns, new AgentRun
        {
            Metadata = { Name = RunName, Namespace = Ns },
            Spec = { InstanceRef = Instance, AgentId = "web-endpoint", SessionKey = "web-endpoint", Task = "Serve", Mode = "server", Model = { Provider = "openai", Model = "gpt-4o" } },
        });

        await ReconcileUntilAsync(r => r.Status?.Phase == "Failed");

        var run = await GetRunAsync();
        Assert.StartsWith("no sidecar with requiresServer=true found", run.Status!.Error, StringComparison.Ordinal);
        Assert.Null(await Clients.Deployments.GetAsync(Ns, "alice-web-endpoint-server"));
    }

    [Fact]
    public void Server_objects_match_the_golden_file()
    {
        var run = new AgentRun
        {
            Metadata = { Name = RunName, Namespace = Ns, Uid = "00000000-0000-0000-0000-000000000001" },
            Spec =
            {
                InstanceRef = Instance,
                Mode = "server",
                Model = { Provider = "openai", Model = "gpt-4o", NodeSelector = new() { ["gpu"] = "none" } },
                ImagePullSecrets = [new LocalObjectReference { Name = "regcred" }],
            },
        };
        var server = new ResolvedSidecar(
            "web-endpoint",
            new SkillSidecar
            {
                Image = ProxyImage,
                RequiresServer = true,
                Ports = [new SidecarPort { Name = "http", ContainerPort = 8080 }],
                Env = [new EnvVar { Name = "EVENT_BUS_URL", Value = "nats://nats.sympozium-system.svc:4222" }],
            },
            new Dictionary<string, string> { ["rate_limit_rpm"] = "5", ["hostname"] = "chat.example.org" });
        var gateway = new GatewaySpec { Enabled = true, BaseDomain = "ex.com" };

        GoldenFile.AssertDocuments("server-mode", [
            GoldenFile.Node(ServerModeBuilder.BuildDeployment(run, server, "alice-web-proxy-key", "sympozium-run-alice-web-endpoint", apiAccess: true)),
            GoldenFile.Node(ServerModeBuilder.BuildService(run, server)),
            ServerModeBuilder.BuildRoute(run, gateway, ServerModeBuilder.Hostname(run, server, gateway)!),
        ]);
    }

    [Fact]
    public void Generated_api_keys_are_sk_and_48_hex_characters_and_differ()
    {
        var first = ServerModeBuilder.NewApiKey();
        Assert.Matches(new Regex("^sk-[0-9a-f]{48}$"), first);
        Assert.NotEqual(first, ServerModeBuilder.NewApiKey());
    }

    // ---------------------------------------------------------------- helpers

    private Task CreateRunAsync(Dictionary<string, string>? parameters = null) =>
        Clients.Runs.CreateAsync(Ns, new AgentRun
        {
            Metadata = { Name = RunName, Namespace = Ns, Labels = new() { ["sympozium.ai/instance"] = Instance, ["sympozium.ai/component"] = "web-endpoint" } },
            Spec =
            {
                InstanceRef = Instance,
                AgentId = "web-endpoint",
                SessionKey = "web-endpoint",
                Task = "Serve HTTP requests for this instance",
                Mode = "server",
                Model = { Provider = "openai", Model = "gpt-4o" },
                Skills = [new SkillRef { SkillPackRef = "web-endpoint", Params = parameters }],
            },
        });

    private Task<ReconcileResult> Reconcile() =>
        new AgentRunReconciler(Clients, Options, events: null, NullLogger.Instance).ReconcileAsync(new ObjectKey(Ns, RunName), CancellationToken.None);

    /// <summary>Reconciles as the work queue would (finalizer, persisted plan, start) until the run reaches a state.</summary>
    private async Task<ReconcileResult> ReconcileUntilAsync(Func<AgentRun, bool> done)
    {
        for (var i = 0; i < 6; i++)
        {
            var result = await Reconcile();
            if (done(await GetRunAsync()))
            {
                return result;
            }
        }

        Assert.Fail($"the run did not reach the expected state; phase {(await GetRunAsync()).Status?.Phase}, error {(await GetRunAsync()).Status?.Error}");
        return ReconcileResult.Done;
    }

    private async Task<AgentRun> GetRunAsync() =>
        await Clients.Runs.GetAsync(Ns, RunName) ?? throw new InvalidOperationException($"run {RunName} not found");

    private async Task<string> ApiKeyAsync()
    {
        var secret = (await Clients.Secrets.GetAsync(Ns, "alice-web-proxy-key"))!;
        Assert.Equal(("web-proxy", Instance), (secret.Metadata.Labels["sympozium.ai/component"], secret.Metadata.Labels["sympozium.ai/instance"]));
        return Encoding.UTF8.GetString(secret.Data["api-key"]);
    }

    private static (string Status, string Reason) Condition(AgentRun run, string type)
    {
        var condition = Assert.Single(run.Status!.Conditions!, c => c.Type == type);
        return (condition.Status, condition.Reason);
    }

    private async Task InstallGatewayApiAsync()
    {
        foreach (var (plural, kind) in new[] { ("gateways", "Gateway"), ("httproutes", "HTTPRoute") })
        {
            await PostAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", $$"""
                {
                  "apiVersion": "apiextensions.k8s.io/v1",
                  "kind": "CustomResourceDefinition",
                  "metadata": { "name": "{{plural}}.gateway.networking.k8s.io" },
                  "spec": {
                    "group": "gateway.networking.k8s.io",
                    "scope": "Namespaced",
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
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        using var response = await _connection.SendAsync(request, HttpCompletionOption.ResponseContentRead, CancellationToken.None);
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
