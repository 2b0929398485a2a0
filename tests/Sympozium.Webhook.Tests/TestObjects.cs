using System.Text.Json;
using System.Text.Json.Nodes;
using Sympozium.Api.Kinds;
using Sympozium.Api.Serialization;
using Sympozium.Kubernetes.Client;
using Sympozium.Webhook.Admission;
using Sympozium.Webhook.Cluster;

namespace Sympozium.Webhook.Tests;

/// <summary>The objects the tests judge, and the repository files they read.</summary>
internal static class TestObjects
{
    public const string Ns = "team-a";

    public static string RepoRoot { get; } = FindRoot();

    /// <summary>A built-in preset from deploy/policies, moved into <paramref name="ns"/>.</summary>
    public static SympoziumPolicy Preset(string name, string ns = Ns)
    {
        var yaml = File.ReadAllText(Path.Combine(RepoRoot, "deploy", "policies", name + ".yaml"));
        var policy = YamlJson.Parse(yaml).Deserialize(SympoziumJsonContext.Default.SympoziumPolicy)!;
        policy.Metadata.Namespace = ns;
        return policy;
    }

    public static SympoziumPolicy Policy(string name, Action<SympoziumPolicySpec> configure)
    {
        var policy = new SympoziumPolicy { Metadata = { Name = name, Namespace = Ns } };
        configure(policy.Spec);
        return policy;
    }

    public static SympoziumInstance Instance(string name = "assistant", string? policyRef = "guarded", Action<SympoziumInstanceSpec>? configure = null)
    {
        var instance = new SympoziumInstance
        {
            Metadata = { Name = name, Namespace = Ns },
            Spec = { PolicyRef = policyRef, Agents = { Default = { Model = "gpt-4o" } } },
        };
        configure?.Invoke(instance.Spec);
        return instance;
    }

    public static AgentRun Run(string name = "r1", string instance = "assistant", Action<AgentRunSpec>? configure = null)
    {
        var run = new AgentRun
        {
            Metadata = { Name = name, Namespace = Ns },
            Spec = { InstanceRef = instance, AgentId = "primary", Task = "hello", Model = { Provider = "openai", Model = "gpt-4o" } },
        };
        configure?.Invoke(run.Spec);
        return run;
    }

    public static JsonObject Json(AgentRun run) => JsonSerializer.SerializeToNode(run, SympoziumJsonContext.Default.AgentRun)!.AsObject();

    public static JsonObject Json(SympoziumInstance instance) => JsonSerializer.SerializeToNode(instance, SympoziumJsonContext.Default.SympoziumInstance)!.AsObject();

    public static JsonObject Json(SympoziumPolicy policy) => JsonSerializer.SerializeToNode(policy, SympoziumJsonContext.Default.SympoziumPolicy)!.AsObject();

    public static AdmissionRequest Request(string kind, JsonObject obj, string operation = "CREATE", JsonObject? old = null, bool dryRun = false) => new()
    {
        Uid = Guid.NewGuid().ToString(),
        Kind = new GroupVersionKind { Group = "sympozium.ai", Version = "v1alpha1", Kind = kind },
        Namespace = Ns,
        Name = obj["metadata"]?["name"]?.GetValue<string>(),
        Operation = operation,
        Object = obj,
        OldObject = old,
        DryRun = dryRun,
    };

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Sympozium.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Sympozium.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>An in-memory cluster for the admission decisions.</summary>
internal sealed class FakeCluster : IClusterLookup
{
    public Dictionary<(string, string), SympoziumInstance> Instances { get; } = [];
    public Dictionary<(string, string), SympoziumPolicy> Policies { get; } = [];
    public Dictionary<(string, string), SkillPack> SkillPacks { get; } = [];

    public FakeCluster With(SympoziumInstance instance)
    {
        Instances[(instance.Metadata.Namespace!, instance.Metadata.Name!)] = instance;
        return this;
    }

    public FakeCluster With(SympoziumPolicy policy)
    {
        Policies[(policy.Metadata.Namespace!, policy.Metadata.Name!)] = policy;
        return this;
    }

    public FakeCluster With(SkillPack pack)
    {
        SkillPacks[(pack.Metadata.Namespace!, pack.Metadata.Name!)] = pack;
        return this;
    }

    public ValueTask<SympoziumInstance?> GetInstanceAsync(string ns, string name, CancellationToken cancellationToken) => new(Instances.GetValueOrDefault((ns, name)));

    public ValueTask<SympoziumPolicy?> GetPolicyAsync(string ns, string name, CancellationToken cancellationToken) => new(Policies.GetValueOrDefault((ns, name)));

    public ValueTask<IReadOnlyList<SympoziumPolicy>> ListDefaultPoliciesAsync(string ns, bool live, CancellationToken cancellationToken) =>
        new([.. Policies.Values.Where(p => p.Metadata.Namespace == ns && GoverningPolicy.IsNamespaceDefault(p))]);

    public ValueTask<SkillPack?> GetSkillPackAsync(string ns, string name, CancellationToken cancellationToken) => new(SkillPacks.GetValueOrDefault((ns, name)));
}

internal sealed class RecordedDenials : IDenialRecorder
{
    public List<Denial> All { get; } = [];

    public void Record(Denial denial) => All.Add(denial);
}
