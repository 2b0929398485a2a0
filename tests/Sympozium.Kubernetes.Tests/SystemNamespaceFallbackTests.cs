using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;
using Sympozium.Kubernetes.Client;

namespace Sympozium.Kubernetes.Tests;

/// <summary>A shared reference resolves in the object's namespace first, then in sympozium-system.</summary>
public sealed class SystemNamespaceFallbackTests : ClusterTestBase
{
    [Fact]
    public async Task The_namespace_is_asked_first_and_sympozium_system_second()
    {
        var asked = new List<string>();
        ValueTask<string?> Lookup(string ns, string name, CancellationToken _)
        {
            asked.Add($"{ns}/{name}");
            return ValueTask.FromResult(ns == Defaults.SystemNamespace ? "shared" : null);
        }

        var found = await SystemNamespaceFallback.GetAsync<string>("team-a", "pack", Lookup);

        Assert.Equal("shared", found);
        Assert.Equal(["team-a/pack", "sympozium-system/pack"], asked);
    }

    [Fact]
    public async Task An_object_of_the_namespace_wins_and_sympozium_system_is_not_asked()
    {
        var asked = new List<string>();
        ValueTask<string?> Lookup(string ns, string name, CancellationToken _)
        {
            asked.Add(ns);
            return ValueTask.FromResult<string?>("own");
        }

        var found = await SystemNamespaceFallback.GetAsync<string>("team-a", "pack", Lookup);

        Assert.Equal("own", found);
        Assert.Equal(["team-a"], asked);
    }

    [Fact]
    public async Task A_reference_from_sympozium_system_is_looked_up_once()
    {
        var asked = 0;
        ValueTask<string?> Lookup(string ns, string name, CancellationToken _)
        {
            asked++;
            return ValueTask.FromResult<string?>(null);
        }

        Assert.Null(await SystemNamespaceFallback.GetAsync<string>(Defaults.SystemNamespace, "pack", Lookup));
        Assert.Equal(1, asked);
    }

    [Fact]
    public async Task Over_the_API_the_namespace_copy_wins_and_the_shared_one_fills_in()
    {
        var namespaces = new ResourceClient<V1Namespace>(Connection, new ApiResource("", "v1", "namespaces", "Namespace", Namespaced: false), ResourceSerializer.FromKubernetesClient<V1Namespace>());
        foreach (var ns in new[] { Defaults.SystemNamespace, "team-a" })
        {
            await namespaces.CreateAsync(null, new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = ns } });
        }

        var runs = Runs();
        await runs.CreateAsync(Defaults.SystemNamespace, Named(NewRun("shared", Defaults.SystemNamespace), "from system"));
        await runs.CreateAsync(Defaults.SystemNamespace, Named(NewRun("both", Defaults.SystemNamespace), "from system"));
        await runs.CreateAsync("team-a", Named(NewRun("both", "team-a"), "from team-a"));

        var shared = await SystemNamespaceFallback.GetAsync(runs, "team-a", "shared");
        var both = await SystemNamespaceFallback.GetAsync(runs, "team-a", "both");
        var missing = await SystemNamespaceFallback.GetAsync(runs, "team-a", "missing");

        Assert.Equal("from system", shared!.Spec.Task);
        Assert.Equal("from team-a", both!.Spec.Task);
        Assert.Null(missing);
    }

    private static AgentRun Named(AgentRun run, string task)
    {
        run.Spec.Task = task;
        return run;
    }
}
