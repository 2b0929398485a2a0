using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Api.Serialization;
using Sympozium.Api.Validation;
using Sympozium.Controller.Reconcilers;
using Sympozium.Kubernetes;
using Sympozium.Kubernetes.Client;
using Sympozium.LocalCluster;

namespace Sympozium.Controller.Tests;

/// <summary>The policy reconciler against the local cluster: NetworkPolicies per bound instance, and status with the webhook's denials.</summary>
public sealed class PolicyReconcilerTests : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sympozium-policy-tests-").FullName;
    private LocalClusterServer _server = null!;
    private KubernetesConnection _connection = null!;
    private Clients _clients = null!;

    public async Task InitializeAsync()
    {
        _server = await LocalClusterServer.StartAsync(new LocalClusterOptions { Directory = _directory });
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

        _clients = new Clients(_connection);
    }

    public async Task DisposeAsync()
    {
        _connection.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Bound_instances_get_a_network_policy_that_goes_when_they_unbind()
    {
        var policy = await _clients.Policies.CreateAsync("default", new SympoziumPolicy
        {
            Metadata = { Name = "isolated", Namespace = "default" },
            Spec = { NetworkPolicy = new NetworkPolicySpec { DenyAll = true, AllowedEgress = [new EgressRule { Host = "192.168.1.20", Port = 11434 }] } },
        });
        foreach (var name in new[] { "a", "b" })
        {
            await _clients.Instances.CreateAsync("default", new SympoziumInstance
            {
                Metadata = { Name = name, Namespace = "default" },
                Spec = { Agents = { Default = { Model = "llama3.2", BaseURL = "http://192.168.1.20:11434" } }, PolicyRef = "isolated" },
            });
        }

        var reconciler = new PolicyReconciler(_clients);
        var result = await reconciler.ReconcileAsync(new ObjectKey("default", "isolated"), default);

        Assert.Equal(Kubernetes.Reconcile.ReconcileResultKind.RequeueAfter, result.Kind);
        var a = await _clients.NetworkPolicies.GetAsync("default", "sympozium-agent-a");
        Assert.NotNull(a);
        Assert.Equal(policy.Metadata.Uid, a.Metadata.OwnerReferences.Single().Uid);
        Assert.Equal(["Ingress", "Egress"], a.Spec.PolicyTypes);
        Assert.Contains(a.Spec.Egress, r => r.To?.SingleOrDefault()?.IpBlock?.Cidr == "192.168.1.20/32" && r.Ports.Single().Port.Value == "11434");
        var status = (await _clients.Policies.GetAsync("default", "isolated"))!.Status!;
        Assert.Equal(2, status.BoundInstances);
        Assert.Equal(["sympozium-agent-a", "sympozium-agent-b"], status.NetworkPolicies!);

        await _clients.Instances.MergePatchAsync("default", "b", """{"spec":{"policyRef":null}}""");
        await reconciler.ReconcileAsync(new ObjectKey("default", "isolated"), default);
        Assert.Null(await _clients.NetworkPolicies.GetAsync("default", "sympozium-agent-b"));
        Assert.NotNull(await _clients.NetworkPolicies.GetAsync("default", "sympozium-agent-a"));
        Assert.Equal(1, (await _clients.Policies.GetAsync("default", "isolated"))!.Status!.BoundInstances);
    }

    [Fact]
    public async Task A_namespace_default_policy_binds_instances_naming_none_and_two_defaults_bind_neither()
    {
        var house = await _clients.Policies.CreateAsync("default", new SympoziumPolicy
        {
            Metadata = { Name = "house", Namespace = "default", Labels = new() { [Api.WellKnown.Labels.DefaultPolicy] = "true" } },
            Spec = { NetworkPolicy = new NetworkPolicySpec { DenyAll = true } },
        });
        await _clients.Policies.CreateAsync("default", new SympoziumPolicy { Metadata = { Name = "named", Namespace = "default" } });
        await _clients.Instances.CreateAsync("default", new SympoziumInstance { Metadata = { Name = "unnamed", Namespace = "default" }, Spec = { Agents = { Default = { Model = "m" } } } });
        await _clients.Instances.CreateAsync("default", new SympoziumInstance { Metadata = { Name = "explicit", Namespace = "default" }, Spec = { Agents = { Default = { Model = "m" } }, PolicyRef = "named" } });

        var reconciler = new PolicyReconciler(_clients);
        await reconciler.ReconcileAsync(new ObjectKey("default", "house"), default);

        var status = (await _clients.Policies.GetAsync("default", "house"))!.Status!;
        Assert.Equal(1, status.BoundInstances);
        Assert.Equal(["sympozium-agent-unnamed"], status.NetworkPolicies!);
        Assert.Equal(house.Metadata.Uid, (await _clients.NetworkPolicies.GetAsync("default", "sympozium-agent-unnamed"))!.Metadata.OwnerReferences.Single().Uid);

        // A second default makes the answer ambiguous: neither binds (the webhook and the
        // controller refuse the instance's runs until one label goes).
        await _clients.Policies.MergePatchAsync("default", "named", $$$$"""{"metadata":{"labels":{"{{{{Api.WellKnown.Labels.DefaultPolicy}}}}":"true"}}}""");
        await reconciler.ReconcileAsync(new ObjectKey("default", "house"), default);
        Assert.Equal(0, (await _clients.Policies.GetAsync("default", "house"))!.Status!.BoundInstances);
        Assert.Null(await _clients.NetworkPolicies.GetAsync("default", "sympozium-agent-unnamed"));
    }

    [Fact]
    public async Task Denial_events_on_the_policy_show_in_its_status_newest_first()
    {
        var policy = await _clients.Policies.CreateAsync("default", new SympoziumPolicy { Metadata = { Name = "strict", Namespace = "default" } });
        var events = new ResourceClient<Corev1Event>(_connection, ApiResource.Events, ResourceSerializer.FromKubernetesClient<Corev1Event>());
        var start = new DateTime(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);
        for (var i = 0; i < 12; i++)
        {
            await events.CreateAsync("default", new Corev1Event
            {
                Metadata = new V1ObjectMeta { Name = $"strict.{i}", NamespaceProperty = "default" },
                InvolvedObject = new V1ObjectReference { Kind = "SympoziumPolicy", Name = "strict", NamespaceProperty = "default", Uid = policy.Metadata.Uid },
                Related = new V1ObjectReference { Kind = "AgentRun", Name = $"run-{i}", NamespaceProperty = "default" },
                Reason = PolicyReconciler.DenialReason,
                Type = "Warning",
                Message = $"AgentRun default/run-{i}: sandbox is required by policy",
                FirstTimestamp = start.AddMinutes(i),
                LastTimestamp = start.AddMinutes(i),
            });
        }

        // Another policy's denial and another reason are not counted.
        await events.CreateAsync("default", new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = "other.1", NamespaceProperty = "default" },
            InvolvedObject = new V1ObjectReference { Kind = "SympoziumPolicy", Name = "other", NamespaceProperty = "default" },
            Reason = PolicyReconciler.DenialReason,
            Message = "x",
            LastTimestamp = start.AddHours(1),
        });

        await new PolicyReconciler(_clients).ReconcileAsync(new ObjectKey("default", "strict"), default);

        var denials = (await _clients.Policies.GetAsync("default", "strict"))!.Status!.RecentDenials!;
        Assert.Equal(PolicyReconciler.RecentDenialLimit, denials.Count);
        Assert.Equal("AgentRun default/run-11", denials[0].Object);
        Assert.Equal("AgentRun default/run-11: sandbox is required by policy", denials[0].Message);
        Assert.Equal(start.AddMinutes(11), denials[0].Time!.Value.UtcDateTime);
        Assert.Equal("AgentRun default/run-2", denials[^1].Object);
    }
}
