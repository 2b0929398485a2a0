using Microsoft.Extensions.Logging.Abstractions;
using Sympozium.Api.Kinds;
using Sympozium.Api.Serialization;
using Sympozium.Api.Validation;
using Sympozium.Api.WellKnown;
using Sympozium.Controller.Reconcilers;
using Sympozium.Kubernetes;
using Sympozium.Kubernetes.Cache;
using Sympozium.Kubernetes.Client;
using Sympozium.LocalCluster;

namespace Sympozium.Controller.Tests;

/// <summary>
/// The controller reads from its informer caches (docs/design/controller.md#what-the-controller-reads-from-its-caches-and-what-it-reads-live):
/// reconciling many runs does not read them, their instance, Jobs or pods from the API server, and a
/// stale cache never makes a second Job for a run. The local cluster runs without a kubelet, so Jobs
/// stay as created.
/// </summary>
public sealed class ControllerCacheTests : IAsyncLifetime
{
    private const string Ns = "default";
    private const string Instance = "alice";
    private readonly string _directory = Directory.CreateTempSubdirectory("sympozium-cache-tests-").FullName;
    private LocalClusterServer _server = null!;
    private KubernetesConnection _connection = null!;

    private Clients Clients => new(_connection);

    private static ControllerOptions Options { get; } = new() { Namespace = Ns, LeaderElection = false };

    public async Task InitializeAsync()
    {
        _server = await LocalClusterServer.StartAsync(new LocalClusterOptions { Directory = _directory, RunKubelet = false, BookmarkInterval = TimeSpan.FromMilliseconds(200) });
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

        await Clients.Instances.CreateAsync(Ns, new SympoziumInstance { Metadata = { Name = Instance, Namespace = Ns }, Spec = { Agents = { Default = { Model = "gpt-4o" } } } });
    }

    public async Task DisposeAsync()
    {
        _connection.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private static AgentRun Run(string name) => new()
    {
        Metadata = { Name = name, Namespace = Ns },
        Spec = { InstanceRef = Instance, AgentId = "default", SessionKey = "s-" + name, Task = "say hi", Model = new ModelSpec { Provider = "openai", Model = "gpt-4o" } },
    };

    [Fact]
    public async Task Reconciling_many_runs_reads_runs_instances_jobs_and_pods_from_the_caches()
    {
        const int count = 30;
        var manager = new ControllerManager(_connection, Options, NullLoggerFactory.Instance);
        using var stop = new CancellationTokenSource();
        var running = manager.RunAsync(stop.Token);
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (!manager.IsReady)
            {
                Assert.True(DateTime.UtcNow < deadline, "the informers did not sync");
                await Task.Delay(50);
            }

            var reads = _connection.Reads;
            var (runGets, runLists, instanceGets, jobGets, jobLists, podGets, podLists) =
                (reads["get", "agentruns"], reads["list", "agentruns"], reads["get", "sympoziuminstances"], reads["get", "jobs"], reads["list", "jobs"], reads["get", "pods"], reads["list", "pods"]);

            using var writer = KubernetesConnection.FromKubeconfig(_server.KubeconfigPath);
            var writes = new ResourceClient<AgentRun>(writer, ApiResource.For(KnownKinds.AgentRun), ResourceSerializer.FromTypeInfo(SympoziumJsonContext.Default.AgentRun));
            await Task.WhenAll(Enumerable.Range(0, count).Select(i => writes.CreateAsync(Ns, Run($"run-{i:D2}"))));

            deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (true)
            {
                var listed = (await writes.ListAsync(Ns)).Items;
                if (listed.Count == count && listed.All(r => r.Status?.Phase == AgentRunPhases.Running))
                {
                    break;
                }

                Assert.True(DateTime.UtcNow < deadline, "not every run became Running: " + string.Join(", ", listed.Select(r => $"{r.Metadata.Name}={r.Status?.Phase}")));
                await Task.Delay(100);
            }

            // Let the instance reconciler count them too.
            await Task.Delay(1000);
            Console.WriteLine($"API reads for {count} runs: agentruns get {reads["get", "agentruns"] - runGets} list {reads["list", "agentruns"] - runLists}, " +
                $"sympoziuminstances get {reads["get", "sympoziuminstances"] - instanceGets}, jobs get {reads["get", "jobs"] - jobGets} list {reads["list", "jobs"] - jobLists}, pods get {reads["get", "pods"] - podGets} list {reads["list", "pods"] - podLists}");

            // Every run was reconciled at least three times (finalizer, plan, Job); before the caches,
            // each of those read the run, its instance and its policies, and Running read the Job and
            // listed pods. Now only a reconcile that runs before the cache has seen this controller's
            // own write reads the run live (read-your-writes), and absence of a new Job is confirmed live.
            Assert.True(reads["get", "agentruns"] - runGets < count, $"{reads["get", "agentruns"] - runGets} GETs of agentruns for {count} runs");
            Assert.Equal(0, reads["list", "agentruns"] - runLists);
            Assert.True(reads["get", "sympoziuminstances"] - instanceGets < 10, $"{reads["get", "sympoziuminstances"] - instanceGets} GETs of the instance for {count} runs");
            Assert.True(reads["get", "jobs"] - jobGets <= count, $"{reads["get", "jobs"] - jobGets} GETs of jobs for {count} runs");
            Assert.Equal(0, reads["list", "jobs"] - jobLists);
            Assert.Equal(0, reads["get", "pods"] - podGets);
            Assert.Equal(0, reads["list", "pods"] - podLists);

            var jobs = await Clients.Jobs.ListAsync(Ns, $"{Labels.Component}={Labels.Components.AgentRun}");
            Assert.Equal(count, jobs.Items.Count);
        }
        finally
        {
            await stop.CancelAsync();
            await running;
        }
    }

    [Fact]
    public async Task A_stale_cache_never_makes_a_second_job_for_a_run()
    {
        await Clients.Runs.CreateAsync(Ns, Run("stale"));
        var live = new AgentRunReconciler(Clients, Options, events: null, NullLogger.Instance);
        var key = new ObjectKey(Ns, "stale");

        // Reconcile live until the Job exists.
        var created = await Clients.Runs.GetAsync(Ns, "stale");
        for (var i = 0; i < 10 && (await Clients.Runs.GetAsync(Ns, "stale"))!.Status?.Phase != AgentRunPhases.Running; i++)
        {
            await live.ReconcileAsync(key, CancellationToken.None);
        }

        var started = await Clients.Runs.GetAsync(Ns, "stale");
        Assert.Equal(AgentRunPhases.Running, started!.Status?.Phase);

        // What a cache that missed the write of Running still shows: the planned run (finalizer,
        // labels, spec as stored), Pending without a Job, at an older resourceVersion.
        var before = System.Text.Json.JsonSerializer.Deserialize(System.Text.Json.JsonSerializer.Serialize(started, SympoziumJsonContext.Default.AgentRun), SympoziumJsonContext.Default.AgentRun)!;
        before.Status = new AgentRunStatus { Phase = AgentRunPhases.Pending };
        before.Metadata.ResourceVersion = created!.Metadata.ResourceVersion;

        // Four reconciles at once, each reading that stale run from "the cache".
        var reader = ClusterReader.Live(Clients) is var l ? new ClusterReader
        {
            Runs = new FrozenReader(before),
            Instances = l.Instances,
            Policies = l.Policies,
            SkillPacks = l.SkillPacks,
            Configs = l.Configs,
            Jobs = l.Jobs,
            Pods = l.Pods,
            Deployments = l.Deployments,
            Services = l.Services,
        }
            : null;
        var stale = new AgentRunReconciler(Clients, Options, events: null, NullLogger.Instance, reader: reader);
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            try
            {
                await stale.ReconcileAsync(key, CancellationToken.None);
                return null;
            }
            catch (KubernetesApiException e)
            {
                return e;
            }
        }));

        // Each stale reconcile found the Job already there and lost the status write to the stored
        // version: none recorded anything, and there is still exactly one Job.
        Assert.All(outcomes, e => Assert.True(e is { IsConflict: true }, $"expected a conflict, got {e?.Message ?? "success"}"));
        var jobs = await Clients.Jobs.ListAsync(Ns, $"{Labels.AgentRun}=stale");
        Assert.Single(jobs.Items);
        var after = await Clients.Runs.GetAsync(Ns, "stale");
        Assert.Equal(started.Metadata.ResourceVersion, after!.Metadata.ResourceVersion);
        Assert.Equal(started.Status!.StartedAt, after.Status!.StartedAt);
    }

    /// <summary>A cache that never catches up: always the same version of one run.</summary>
    private sealed class FrozenReader(AgentRun run) : IObjectReader<AgentRun>
    {
        private readonly string _json = System.Text.Json.JsonSerializer.Serialize(run, SympoziumJsonContext.Default.AgentRun);

        public ValueTask<AgentRun?> GetAsync(string? ns, string name, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(System.Text.Json.JsonSerializer.Deserialize(_json, SympoziumJsonContext.Default.AgentRun));

        public ValueTask<IReadOnlyList<AgentRun>> ListAsync(string? ns, IReadOnlyDictionary<string, string>? labels = null, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<IReadOnlyList<AgentRun>>([System.Text.Json.JsonSerializer.Deserialize(_json, SympoziumJsonContext.Default.AgentRun)!]);

        public void Wrote(AgentRun written)
        {
            // Frozen: the point of this reader.
        }
    }
}
