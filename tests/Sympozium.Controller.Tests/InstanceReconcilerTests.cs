using Sympozium.Api.Kinds;
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
/// The SympoziumInstance reconciler against the local cluster (docs/design/instances.md#instance-reconciler),
/// including the desired-state fixes of docs/design/upstream-fixes.md#cp-14: updated and removed
/// channels, a recreated memory Service, and a web-endpoint run that goes with its skill. No
/// kubelet runs: pod readiness is simulated by patching pod status, so every channel state is deterministic.
/// </summary>
public sealed class InstanceReconcilerTests : IAsyncLifetime
{
    private const string Ns = "default";
    private readonly string _directory = Directory.CreateTempSubdirectory("sympozium-instance-tests-").FullName;
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
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", UriKind.Relative))
            {
                Content = new StringContent(YamlJson.Parse(yaml).ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
            };
            using var response = await _connection.SendAsync(request, HttpCompletionOption.ResponseContentRead, CancellationToken.None);
            response.EnsureSuccessStatusCode();
        }
    }

    public async Task DisposeAsync()
    {
        _connection.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Channel_with_a_missing_secret_reports_it_and_gets_no_deployment_until_the_secret_exists()
    {
        await CreateInstanceAsync("alice", s => s.Channels = [Telegram("alice-telegram")]);

        var result = await ReconcileAsync("alice");

        var instance = await GetInstanceAsync("alice");
        var channel = Assert.Single(instance.Status!.Channels!);
        Assert.Equal(("telegram", "Error", "secret \"alice-telegram\" not found"), (channel.Type, channel.Status, channel.Message));
        Assert.Equal("Error", instance.Status.Phase);
        Assert.Equal(("False", "ChannelError"), Ready(instance));
        Assert.Null(await Clients.Deployments.GetAsync(Ns, "alice-channel-telegram"));
        Assert.Equal(ReconcileResult.RequeueAfter(TimeSpan.FromSeconds(30)), result);

        await CreateSecretAsync("alice-telegram");
        result = await ReconcileAsync("alice");

        Assert.NotNull(await Clients.Deployments.GetAsync(Ns, "alice-channel-telegram"));
        instance = await GetInstanceAsync("alice");
        Assert.Equal("Pending", Assert.Single(instance.Status!.Channels!).Status);
        Assert.Equal("Running", instance.Status.Phase);
        Assert.Equal(("True", "Reconciled"), Ready(instance));
        Assert.Equal(ReconcileResult.RequeueAfter(TimeSpan.FromSeconds(60)), result);
    }

    [Fact]
    public async Task Telegram_channel_gets_its_deployment_then_reports_disconnected_and_connected()
    {
        await CreateSecretAsync("bob-telegram");
        await CreateInstanceAsync("bob", s => s.Channels = [Telegram("bob-telegram")]);

        await ReconcileAsync("bob");

        var instance = await GetInstanceAsync("bob");
        Assert.Contains("sympozium.ai/finalizer", instance.Metadata.Finalizers!);
        Assert.Equal("Pending", Assert.Single(instance.Status!.Channels!).Status);
        var deployment = (await Clients.Deployments.GetAsync(Ns, "bob-channel-telegram"))!;
        var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
        Assert.Equal("registry.test/sympozium/channel-telegram:v1", container.Image);
        var env = container.Env.ToDictionary(e => e.Name, e => e.Value);
        Assert.Equal("bob", env["INSTANCE_NAME"]);
        Assert.Equal("nats://nats.sympozium-system.svc:4222", env["EVENT_BUS_URL"]);
        Assert.Equal("sympozium-channel-telegram", env["OTEL_SERVICE_NAME"]);
        Assert.Equal("bob-telegram", Assert.Single(container.EnvFrom).SecretRef.Name);
        var owner = Assert.Single(deployment.Metadata.OwnerReferences);
        Assert.Equal(("SympoziumInstance", "bob", instance.Metadata.Uid), (owner.Kind, owner.Name, owner.Uid));
        Assert.Equal("channel", deployment.Metadata.Labels["sympozium.ai/component"]);

        await ReconcileAsync("bob");
        Assert.Equal("Disconnected", Assert.Single((await GetInstanceAsync("bob")).Status!.Channels!).Status);

        await MarkPodsReadyAsync("sympozium.ai/instance=bob,sympozium.ai/channel=telegram");
        await Eventually(() => Clients.Deployments.GetAsync(Ns, "bob-channel-telegram"), d => d.Status?.ReadyReplicas == 1, "the channel Deployment is ready");
        await ReconcileAsync("bob");

        Assert.Equal("Connected", Assert.Single((await GetInstanceAsync("bob")).Status!.Channels!).Status);
    }

    [Fact]
    public async Task Whatsapp_channel_keeps_its_session_on_a_claim_and_uses_recreate()
    {
        await CreateInstanceAsync("carol", s => s.Channels = [new ChannelSpec { Type = "whatsapp" }]);

        await ReconcileAsync("carol");

        var claim = (await Clients.Claims.GetAsync(Ns, "carol-channel-whatsapp-data"))!;
        Assert.Equal("256Mi", claim.Spec.Resources.Requests["storage"].ToString());
        Assert.Equal("carol", Assert.Single(claim.Metadata.OwnerReferences).Name);
        var deployment = (await Clients.Deployments.GetAsync(Ns, "carol-channel-whatsapp"))!;
        Assert.Equal("Recreate", deployment.Spec.Strategy.Type);
        Assert.Equal("carol-channel-whatsapp-data", Assert.Single(deployment.Spec.Template.Spec.Volumes).PersistentVolumeClaim.ClaimName);
        Assert.Equal("/data", Assert.Single(deployment.Spec.Template.Spec.Containers[0].VolumeMounts).MountPath);
    }

    [Fact]
    public async Task Channel_removed_from_the_spec_loses_its_deployment()
    {
        await CreateSecretAsync("dave-telegram");
        await CreateSecretAsync("dave-slack");
        await CreateInstanceAsync("dave", s => s.Channels = [Telegram("dave-telegram"), new ChannelSpec { Type = "slack", ConfigRef = new ChannelConfigRef { Secret = "dave-slack" } }]);
        await ReconcileAsync("dave");
        Assert.NotNull(await Clients.Deployments.GetAsync(Ns, "dave-channel-slack"));

        await Clients.Instances.MergePatchAsync(Ns, "dave", """{"spec":{"channels":[{"type":"telegram","configRef":{"secret":"dave-telegram"}}]}}""");
        await ReconcileAsync("dave");

        await Eventually(async () => await Clients.Deployments.GetAsync(Ns, "dave-channel-slack") is null ? "gone" : null, _ => true, "the slack Deployment is deleted");
        Assert.NotNull(await Clients.Deployments.GetAsync(Ns, "dave-channel-telegram"));
        Assert.Equal("telegram", Assert.Single((await GetInstanceAsync("dave")).Status!.Channels!).Type);
    }

    [Fact]
    public async Task Changed_image_or_channel_secret_updates_the_deployment_and_drift_is_reverted()
    {
        await CreateSecretAsync("erin-telegram");
        await CreateInstanceAsync("erin", s => s.Channels = [Telegram("erin-telegram")]);
        await ReconcileAsync("erin");
        var first = (await Clients.Deployments.GetAsync(Ns, "erin-channel-telegram"))!;

        // A new controller version (image tag) rolls the channel pods.
        var upgraded = new InstanceReconciler(Clients, Options with { Images = Options.Images with { Tag = "v2" } });
        await upgraded.ReconcileAsync(new ObjectKey(Ns, "erin"), CancellationToken.None);
        var second = (await Clients.Deployments.GetAsync(Ns, "erin-channel-telegram"))!;
        Assert.Equal("registry.test/sympozium/channel-telegram:v2", second.Spec.Template.Spec.Containers[0].Image);
        Assert.NotEqual(first.Metadata.Generation, second.Metadata.Generation);
        Assert.Equal("Pending", Assert.Single((await GetInstanceAsync("erin")).Status!.Channels!).Status);

        // Unchanged spec: no spec write. (The resourceVersion is no witness: the cluster's
        // Deployment controller writes the status meanwhile, whenever it gets to it.)
        await upgraded.ReconcileAsync(new ObjectKey(Ns, "erin"), CancellationToken.None);
        var third = (await Clients.Deployments.GetAsync(Ns, "erin-channel-telegram"))!;
        Assert.Equal(second.Metadata.Generation, third.Metadata.Generation);
        Assert.Equal(second.Metadata.Labels, third.Metadata.Labels);
        Assert.Equal(second.Metadata.Annotations, third.Metadata.Annotations);

        // The configRef goes away: envFrom goes away too (a field we no longer set).
        await Clients.Instances.MergePatchAsync(Ns, "erin", """{"spec":{"channels":[{"type":"telegram"}]}}""");
        await upgraded.ReconcileAsync(new ObjectKey(Ns, "erin"), CancellationToken.None);
        Assert.Null((await Clients.Deployments.GetAsync(Ns, "erin-channel-telegram"))!.Spec.Template.Spec.Containers[0].EnvFrom);

        // Someone edits the image by hand: the next reconcile puts ours back.
        await Clients.Deployments.JsonPatchAsync(Ns, "erin-channel-telegram", """[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"evil/telegram:latest"}]""");
        await upgraded.ReconcileAsync(new ObjectKey(Ns, "erin"), CancellationToken.None);
        Assert.Equal("registry.test/sympozium/channel-telegram:v2", (await Clients.Deployments.GetAsync(Ns, "erin-channel-telegram"))!.Spec.Template.Spec.Containers[0].Image);
    }

    [Fact]
    public async Task Memory_configmap_is_created_once_and_never_overwritten()
    {
        await CreateInstanceAsync("frank", s => s.Memory = new MemorySpec { Enabled = true });
        await ReconcileAsync("frank");

        var configMap = (await Clients.ConfigMaps.GetAsync(Ns, "frank-memory"))!;
        Assert.Equal("# Agent Memory\n\nNo memories recorded yet.\n", configMap.Data["MEMORY.md"]);
        Assert.Equal("memory", configMap.Metadata.Labels["sympozium.ai/component"]);

        configMap.Data["MEMORY.md"] = "# Agent Memory\n\n- likes tea\n";
        await Clients.ConfigMaps.ReplaceAsync(Ns, "frank-memory", configMap);
        await ReconcileAsync("frank");

        Assert.Equal("# Agent Memory\n\n- likes tea\n", (await Clients.ConfigMaps.GetAsync(Ns, "frank-memory"))!.Data["MEMORY.md"]);
    }

    [Fact]
    public async Task Memory_skill_gets_claim_server_and_service_a_lost_service_returns_and_dropping_the_skill_stops_the_server()
    {
        await CreateInstanceAsync("gina", s => s.Skills = [new SkillRef { SkillPackRef = "memory" }]);
        await ReconcileAsync("gina");

        var claim = (await Clients.Claims.GetAsync(Ns, "gina-memory-db"))!;
        Assert.Equal("1Gi", claim.Spec.Resources.Requests["storage"].ToString());
        var deployment = (await Clients.Deployments.GetAsync(Ns, "gina-memory"))!;
        var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
        Assert.Equal("registry.test/sympozium/skill-memory:v1", container.Image);
        Assert.Contains(container.Env, e => e is { Name: "MEMORY_DB_PATH", Value: "/data/memory.db" });
        var service = (await Clients.Services.GetAsync(Ns, "gina-memory"))!;
        Assert.Equal(8080, Assert.Single(service.Spec.Ports).Port);

        // Upstream never recreated a lost Service while the Deployment existed.
        await Clients.Services.DeleteAsync(Ns, "gina-memory");
        await Eventually(async () => await Clients.Services.GetAsync(Ns, "gina-memory") is null ? "gone" : null, _ => true, "the Service is deleted");
        await ReconcileAsync("gina");
        Assert.NotNull(await Clients.Services.GetAsync(Ns, "gina-memory"));

        await Clients.Instances.MergePatchAsync(Ns, "gina", """{"spec":{"skills":[]}}""");
        await ReconcileAsync("gina");

        await Eventually(async () => await Clients.Deployments.GetAsync(Ns, "gina-memory") is null ? "gone" : null, _ => true, "the memory Deployment is deleted");
        Assert.Null(await Clients.Services.GetAsync(Ns, "gina-memory"));
        Assert.NotNull(await Clients.Claims.GetAsync(Ns, "gina-memory-db")); // the memory database is kept
    }

    [Fact]
    public async Task Phase_is_serving_when_a_run_serves_and_run_counts_cover_the_instance_runs()
    {
        await CreateInstanceAsync("hank", _ => { });
        await CreateRunAsync("hank-1", "hank", "Running");
        await CreateRunAsync("hank-2", "hank", "Succeeded");
        await CreateRunAsync("other-1", "other", "Running");
        await ReconcileAsync("hank");

        var instance = await GetInstanceAsync("hank");
        Assert.Equal(("Running", 1, 2L), (instance.Status!.Phase, instance.Status.ActiveAgentPods, instance.Status.TotalAgentRuns));

        await CreateRunAsync("hank-3", "hank", "Serving");
        await ReconcileAsync("hank");

        instance = await GetInstanceAsync("hank");
        Assert.Equal(("Serving", 2, 3L), (instance.Status!.Phase, instance.Status.ActiveAgentPods, instance.Status.TotalAgentRuns));
    }

    [Fact]
    public async Task Status_is_patched_only_when_it_changes()
    {
        await CreateInstanceAsync("ivy", _ => { });
        await ReconcileAsync("ivy");
        var before = await GetInstanceAsync("ivy");

        await ReconcileAsync("ivy");

        Assert.Equal(before.Metadata.ResourceVersion, (await GetInstanceAsync("ivy")).Metadata.ResourceVersion);
    }

    [Fact]
    public async Task Web_endpoint_skill_gets_one_server_run_and_removing_the_skill_deletes_it()
    {
        await CreateInstanceAsync("judy", s =>
        {
            s.Skills = [new SkillRef { SkillPackRef = "web-endpoint", Params = new() { ["hostname"] = "judy.example.com" } }];
            s.AuthRefs = [new SecretRef { Secret = "team-anthropic-key" }];
        });
        await ReconcileAsync("judy");
        await ReconcileAsync("judy");

        var runs = await Clients.Runs.ListAsync(Ns, "sympozium.ai/instance=judy,sympozium.ai/component=web-endpoint");
        var run = Assert.Single(runs.Items);
        Assert.Equal("judy-web-endpoint", run.Metadata.Name);
        Assert.Equal(("server", "web-endpoint", "web-endpoint", "Serve HTTP requests for this instance"), (run.Spec.Mode, run.Spec.AgentId, run.Spec.SessionKey, run.Spec.Task));
        Assert.Equal(("anthropic", "team-anthropic-key"), (run.Spec.Model.Provider, run.Spec.Model.AuthSecretRef));
        Assert.Equal("web-endpoint", Assert.Single(run.Spec.Skills!).SkillPackRef);
        Assert.Equal("judy", Assert.Single(run.Metadata.OwnerReferences!).Name);
        var status = (await GetInstanceAsync("judy")).Status!.WebEndpoint!;
        Assert.Equal(("Pending", "http://judy.example.com", "judy-web-proxy-key"), (status.Status, status.Url, status.AuthSecretName));

        // New skill parameters: the server Deployment is built once per run, so the run is replaced.
        await Clients.Instances.MergePatchAsync(Ns, "judy", """{"spec":{"skills":[{"skillPackRef":"web-endpoint","params":{"hostname":"api.example.com"}}]}}""");
        var replacing = await ReconcileAsync("judy");
        Assert.Equal(ReconcileResult.RequeueAfter(InstanceReconciler.DeletionPoll), replacing);
        await Eventually(async () => await Clients.Runs.GetAsync(Ns, "judy-web-endpoint") is null ? "gone" : null, _ => true, "the old run is deleted");
        await ReconcileAsync("judy");
        run = Assert.Single((await Clients.Runs.ListAsync(Ns, "sympozium.ai/instance=judy")).Items);
        Assert.Equal("api.example.com", run.Spec.Skills![0].Params!["hostname"]);
        Assert.Equal("http://api.example.com", (await GetInstanceAsync("judy")).Status!.WebEndpoint!.Url);

        await Clients.Instances.MergePatchAsync(Ns, "judy", """{"spec":{"skills":[]}}""");
        await ReconcileAsync("judy");

        Assert.Empty((await Clients.Runs.ListAsync(Ns, "sympozium.ai/instance=judy")).Items);
        Assert.Null((await GetInstanceAsync("judy")).Status!.WebEndpoint);
    }

    [Fact]
    public async Task Deleting_the_instance_removes_its_children_and_releases_the_finalizer()
    {
        await CreateSecretAsync("kim-telegram");
        await CreateInstanceAsync("kim", s =>
        {
            s.Channels = [Telegram("kim-telegram")];
            s.Memory = new MemorySpec { Enabled = true };
            s.Skills = [new SkillRef { SkillPackRef = "memory" }];
        });
        await ReconcileAsync("kim");
        Assert.NotNull(await Clients.Deployments.GetAsync(Ns, "kim-memory"));

        await Clients.Instances.DeleteAsync(Ns, "kim");
        Assert.NotNull((await GetInstanceAsync("kim")).Metadata.DeletionTimestamp); // held by the finalizer
        await ReconcileAsync("kim");

        await Eventually(async () => await Clients.Instances.GetAsync(Ns, "kim") is null ? "gone" : null, _ => true, "the instance is gone");
        Assert.Null(await Clients.Deployments.GetAsync(Ns, "kim-channel-telegram"));
        Assert.Null(await Clients.ConfigMaps.GetAsync(Ns, "kim-memory"));
        Assert.Null(await Clients.Deployments.GetAsync(Ns, "kim-memory"));
        Assert.Null(await Clients.Services.GetAsync(Ns, "kim-memory"));
    }

    [Fact]
    public async Task A_child_the_api_rejects_is_named_in_status_and_the_reconcile_fails()
    {
        // 240 characters is a valid instance name, but "<name>-channel-telegram" exceeds the 253 allowed for the Deployment.
        var name = new string('a', 240);
        await CreateInstanceAsync(name, s => s.Channels = [new ChannelSpec { Type = "telegram" }]);

        var error = await Assert.ThrowsAsync<AggregateException>(() => ReconcileAsync(name));

        var instance = await GetInstanceAsync(name);
        var channel = Assert.Single(instance.Status!.Channels!);
        Assert.Equal("Error", channel.Status);
        Assert.Contains($"Deployment {Ns}/{name}-channel-telegram", channel.Message, StringComparison.Ordinal);
        Assert.Contains("422", channel.Message, StringComparison.Ordinal);
        Assert.Equal("Error", instance.Status.Phase);
        Assert.Equal(("False", "ChildError"), Ready(instance));
        Assert.Contains($"{name}-channel-telegram", error.Message, StringComparison.Ordinal);
    }

    private static ChannelSpec Telegram(string secret) => new() { Type = "telegram", ConfigRef = new ChannelConfigRef { Secret = secret } };

    private static (string Status, string Reason) Ready(SympoziumInstance instance)
    {
        var condition = Assert.Single(instance.Status!.Conditions!, c => c.Type == "Ready");
        return (condition.Status, condition.Reason);
    }

    private Task<ReconcileResult> ReconcileAsync(string name) =>
        new InstanceReconciler(Clients, Options).ReconcileAsync(new ObjectKey(Ns, name), CancellationToken.None);

    private async Task<SympoziumInstance> GetInstanceAsync(string name) =>
        await Clients.Instances.GetAsync(Ns, name) ?? throw new InvalidOperationException($"instance {name} not found");

    private Task<SympoziumInstance> CreateInstanceAsync(string name, Action<SympoziumInstanceSpec> configure)
    {
        var instance = new SympoziumInstance { Metadata = { Name = name, Namespace = Ns }, Spec = { Agents = { Default = { Model = "gpt-4o" } } } };
        configure(instance.Spec);
        return Clients.Instances.CreateAsync(Ns, instance);
    }

    private Task CreateSecretAsync(string name) =>
        Clients.Secrets.CreateAsync(Ns, new k8s.Models.V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Metadata = new k8s.Models.V1ObjectMeta { Name = name, NamespaceProperty = Ns },
            StringData = new Dictionary<string, string> { ["TOKEN"] = "t" },
        });

    private async Task CreateRunAsync(string name, string instance, string phase)
    {
        await Clients.Runs.CreateAsync(Ns, new AgentRun
        {
            Metadata = { Name = name, Namespace = Ns, Labels = new() { ["sympozium.ai/instance"] = instance } },
            Spec = { InstanceRef = instance, AgentId = "primary", Task = "t", Model = { Provider = "openai", Model = "gpt-4o" } },
        });
        await Clients.Runs.MergePatchAsync(Ns, name, $$$"""{"status":{"phase":"{{{phase}}}"}}""", status: true);
    }

    /// <summary>Plays the kubelet: the selected pods become Running and Ready.</summary>
    private async Task MarkPodsReadyAsync(string selector)
    {
        var pods = await Eventually(async () => await Clients.Pods.ListAsync(Ns, selector), p => p.Items.Count > 0, "the Deployment has pods");
        foreach (var pod in pods.Items)
        {
            await Clients.Pods.MergePatchAsync(Ns, pod.Metadata.Name, """{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}""", status: true);
        }
    }

    private static async Task<T> Eventually<T>(Func<Task<T?>> read, Func<T, bool> done, string what)
        where T : class
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            if (await read() is { } value && done(value))
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, "timed out waiting until " + what);
            await Task.Delay(100);
        }
    }
}
