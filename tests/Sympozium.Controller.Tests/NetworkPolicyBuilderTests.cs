using System.Text.Json;
using Sympozium.Api.Kinds;
using Sympozium.Api.Serialization;
using Sympozium.Controller.Builders;

namespace Sympozium.Controller.Tests;

/// <summary>
/// The NetworkPolicy of an instance's agent pods under each shipped preset (deploy/policies),
/// as golden YAML: an instance on an in-cluster Ollama, one in-cluster MCP server, a skill with RBAC.
/// </summary>
public sealed class NetworkPolicyBuilderTests
{
    private static SympoziumPolicy Preset(string name)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "Sympozium.sln")))
        {
            root = root.Parent ?? throw new InvalidOperationException("Sympozium.sln not found");
        }

        var policy = YamlJson.Parse(File.ReadAllText(Path.Combine(root.FullName, "deploy", "policies", name + ".yaml"))).Deserialize(SympoziumJsonContext.Default.SympoziumPolicy)!;
        policy.Metadata.Namespace = "team-a";
        policy.Metadata.Uid = "0b7c6a9e-policy";
        return policy;
    }

    private static SympoziumInstance Instance() => new()
    {
        Metadata = { Name = "assistant", Namespace = "team-a" },
        Spec = { Agents = { Default = { Model = "llama3.2", BaseURL = "http://ollama.models.svc:11434/v1" } } },
    };

    private static NetworkPolicyInputs Inputs(string preset)
    {
        var instance = Instance();
        ServiceTarget? Services(string ns, string name) =>
            (ns, name) == ("models", "ollama") ? new ServiceTarget(new Dictionary<string, string> { ["app"] = "ollama" }, new Dictionary<int, int> { [11434] = 11434 }) : null;
        return new NetworkPolicyInputs
        {
            Policy = Preset(preset),
            Instance = instance,
            ModelEndpoint = EgressPeer.FromUrl(instance.Spec.Agents.Default.BaseURL, "team-a", Services),
            McpServers = [new EgressPeer("sympozium-system", new Dictionary<string, string> { ["app.kubernetes.io/name"] = "mcpserver", ["app.kubernetes.io/instance"] = "github" }, null, 8080)],
            NeedsKubernetesApi = true,
            KubernetesApi = [EgressPeer.FromAllowedHost("172.18.0.2", 6443)],
        };
    }

    [Theory]
    [InlineData("permissive")]
    [InlineData("restrictive")]
    [InlineData("network-isolated")]
    public void Preset_network_policy(string preset) =>
        GoldenFile.Assert("networkpolicy-" + preset, NetworkPolicyBuilder.Build(Inputs(preset)));

    [Fact]
    public void Agent_pods_are_selected_by_the_labels_the_job_gives_them()
    {
        var policy = NetworkPolicyBuilder.Build(Inputs("restrictive"));
        var run = new AgentRun { Metadata = { Name = "r1", Namespace = "team-a" }, Spec = { InstanceRef = "assistant" } };
        var podLabels = AgentPodBuilder.JobLabels(run);
        Assert.All(policy.Spec.PodSelector.MatchLabels, l => Assert.Equal(l.Value, podLabels[l.Key]));
        Assert.Equal("team-a", policy.Metadata.NamespaceProperty);
    }

    [Theory]
    [InlineData("https://api.openai.com/v1", null, null, null, 443)]
    [InlineData("http://10.1.2.3:8000/v1", null, null, "10.1.2.3/32", 8000)]
    [InlineData("http://ollama:11434", "team-a", null, null, 11434)]
    [InlineData("http://vllm.models.svc.cluster.local:8000", "models", null, null, 8000)]
    [InlineData("http://localhost:11434", null, null, null, null)]
    public void Model_endpoints_become_the_narrowest_peer_a_network_policy_can_express(string url, string? ns, string? labels, string? cidr, int? port)
    {
        var peer = EgressPeer.FromUrl(url, "team-a", (_, _) => null);
        if (port is null)
        {
            Assert.Null(peer);
            return;
        }

        Assert.Equal(new EgressPeer(ns, null, cidr, port), peer! with { PodLabels = null });
        Assert.Equal(labels, peer.PodLabels is null ? null : string.Join(",", peer.PodLabels));
    }

    [Fact]
    public void A_service_behind_a_url_narrows_the_peer_to_its_pods_and_target_port()
    {
        var peer = EgressPeer.FromUrl("http://llm.models.svc:80/v1", "team-a",
            (ns, name) => (ns, name) == ("models", "llm") ? new ServiceTarget(new Dictionary<string, string> { ["app"] = "vllm" }, new Dictionary<int, int> { [80] = 8000 }) : null)!;
        Assert.Equal(("models", 8000, "vllm"), (peer.Namespace, peer.Port, peer.PodLabels!["app"]));
    }
}
