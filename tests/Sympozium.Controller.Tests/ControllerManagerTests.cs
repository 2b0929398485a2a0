using Microsoft.Extensions.Logging.Abstractions;
using Sympozium.Api.Kinds;
using Sympozium.Api.Serialization;
using Sympozium.Api.Validation;
using Sympozium.Controller.Reconcilers;
using Sympozium.Kubernetes.Client;
using Sympozium.LocalCluster;

namespace Sympozium.Controller.Tests;

/// <summary>The controller manager against the local cluster: SkillPack and SympoziumPolicy reconcilers end to end over HTTPS.</summary>
public sealed class ControllerManagerTests : IAsyncLifetime, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sympozium-controller-tests-").FullName;
    private readonly CancellationTokenSource _stop = new();
    private LocalClusterServer _server = null!;
    private KubernetesConnection _connection = null!;
    private ControllerManager _manager = null!;
    private Task _running = Task.CompletedTask;

    public async Task InitializeAsync()
    {
        _server = await LocalClusterServer.StartAsync(new LocalClusterOptions { Directory = _directory, BookmarkInterval = TimeSpan.FromMilliseconds(200) });
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

        _manager = new ControllerManager(_connection, new ControllerOptions { Namespace = "default" }, NullLoggerFactory.Instance);
        _running = _manager.RunAsync(_stop.Token);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running;
        _connection.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    public void Dispose() => _stop.Dispose();

    private Clients Clients => new(_connection);

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

    [Fact]
    public async Task Skillpack_gets_its_configmap_status_and_cleanup()
    {
        var pack = new SkillPack
        {
            Metadata = { Name = "k8s-ops", Namespace = "default" },
            Spec = { Skills = [new Skill { Name = "pods", Description = "Pod help.", Content = "Use kubectl get pods." }] },
        };

        await Clients.SkillPacks.CreateAsync("default", pack);
        var configMap = await Eventually(() => Clients.ConfigMaps.GetAsync("default", "k8s-ops"), _ => true, "the ConfigMap exists");
        var ready = await Eventually(() => Clients.SkillPacks.GetAsync("default", "k8s-ops"), p => p.Status?.Phase == "Ready", "the pack is Ready");

        Assert.Equal("# pods\n\n> Pod help.\n\nUse kubectl get pods.", configMap.Data["pods.md"]);
        Assert.Equal(("k8s-ops", 1), (ready.Status!.ConfigMapName, ready.Status.SkillCount));
        Assert.Contains("sympozium.ai/skillpack-finalizer", ready.Metadata.Finalizers!);
        Assert.True(_manager.Elector!.IsLeader);

        ready.Spec.Skills.Add(new Skill { Name = "logs", Content = "Use kubectl logs." });
        await ConflictRetry.RunAsync(async ct =>
        {
            var latest = (await Clients.SkillPacks.GetAsync("default", "k8s-ops", ct))!;
            latest.Spec.Skills = ready.Spec.Skills;
            return await Clients.SkillPacks.ReplaceAsync("default", "k8s-ops", latest, ct);
        });
        await Eventually(() => Clients.ConfigMaps.GetAsync("default", "k8s-ops"), c => c.Data.ContainsKey("logs.md"), "the ConfigMap has the new skill");
        await Eventually(() => Clients.SkillPacks.GetAsync("default", "k8s-ops"), p => p.Status?.SkillCount == 2, "skillCount is 2");

        await Clients.SkillPacks.DeleteAsync("default", "k8s-ops");
        await Eventually(async () => await Clients.SkillPacks.GetAsync("default", "k8s-ops") is null ? "gone" : null, _ => true, "the pack is gone");
        Assert.Null(await Clients.ConfigMaps.GetAsync("default", "k8s-ops"));
    }

    [Fact]
    public async Task Policy_counts_the_instances_that_reference_it_and_follows_instance_changes()
    {
        await Clients.Policies.CreateAsync("default", new SympoziumPolicy { Metadata = { Name = "restrictive", Namespace = "default" } });
        foreach (var name in new[] { "a", "b" })
        {
            await Clients.Instances.CreateAsync("default", new SympoziumInstance
            {
                Metadata = { Name = name, Namespace = "default" },
                Spec = { Agents = { Default = { Model = "gpt-4o" } }, PolicyRef = "restrictive" },
            });
        }

        await Eventually(() => Clients.Policies.GetAsync("default", "restrictive"), p => p.Status?.BoundInstances == 2, "two instances are bound");
        await Clients.Instances.MergePatchAsync("default", "b", """{"spec":{"policyRef":null}}""");

        await Eventually(() => Clients.Policies.GetAsync("default", "restrictive"), p => p.Status?.BoundInstances == 1, "one instance is bound");
    }
}
