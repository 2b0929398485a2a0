using k8s.Models;
using Sympozium.Api.WellKnown;
using Sympozium.Kubernetes;

namespace Sympozium.Controller.Builders;

/// <summary>
/// The NetworkPolicy of one instance's agent pods, from the instance's SympoziumPolicy
/// (docs/design/admission.md#networkpolicies and upstream-fixes.md#cp-6: upstream's static policies
/// selected a label agent pods never carry, in the wrong namespace). It selects pods by the labels
/// <see cref="AgentPodBuilder.JobLabels"/> puts on them, in the instance's namespace; ingress is
/// always denied (agent pods serve nothing); with <c>networkPolicy.denyAll</c> egress is limited to
/// DNS, NATS, the model endpoint, telemetry, the MCP servers in use, the Kubernetes API when a
/// skill needs it, and the policy's allowedEgress.
/// </summary>
public static class NetworkPolicyBuilder
{
    public const string NamePrefix = "sympozium-agent-";
    public const int NatsPort = 4222;

    /// <summary>The label NATS pods carry (upstream chart).</summary>
    public const string NatsComponentLabel = "app.kubernetes.io/component";

    public static string NameFor(string instance) => NamePrefix + instance;

    public static V1NetworkPolicy Build(NetworkPolicyInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var policy = inputs.Policy;
        var instance = inputs.Instance;
        var instanceName = instance.Metadata.Name ?? throw new ArgumentException("the instance has no name", nameof(inputs));
        var network = policy.Spec.NetworkPolicy;
        var isolateEgress = network is not null && network.DenyAll != false;

        var egress = new List<V1NetworkPolicyEgressRule>();
        if (isolateEgress)
        {
            if (network!.AllowDNS != false)
            {
                egress.Add(new V1NetworkPolicyEgressRule { Ports = [Port(53, "UDP"), Port(53, "TCP")] });
            }

            if (network.AllowEventBus != false)
            {
                egress.Add(Rule(new EgressPeer(inputs.SystemNamespace, new Dictionary<string, string> { [NatsComponentLabel] = "nats" }, null, NatsPort)));
            }

            egress.Add(Rule(inputs.ModelEndpoint ?? EgressPeer.Anywhere(443)));
            if (inputs.TelemetryEndpoint is { } telemetry)
            {
                egress.Add(Rule(telemetry));
            }

            egress.AddRange(inputs.McpServers.Select(Rule));
            if (inputs.NeedsKubernetesApi)
            {
                egress.AddRange(inputs.KubernetesApi.Count > 0
                    ? inputs.KubernetesApi.Select(Rule)
                    : [Rule(EgressPeer.Anywhere(443)), Rule(EgressPeer.Anywhere(6443))]);
            }

            egress.AddRange((network.AllowedEgress ?? []).Select(e => Rule(EgressPeer.FromAllowedHost(e.Host, e.Port))));
        }

        return new V1NetworkPolicy
        {
            ApiVersion = "networking.k8s.io/v1",
            Kind = "NetworkPolicy",
            Metadata = new V1ObjectMeta
            {
                Name = NameFor(instanceName),
                NamespaceProperty = instance.Metadata.Namespace,
                Labels = new Dictionary<string, string>
                {
                    [Labels.ManagedBy] = Labels.Values.Sympozium,
                    [Labels.PartOf] = Labels.Values.Sympozium,
                    [Labels.Instance] = instanceName,
                    [Labels.Policy] = policy.Metadata.Name ?? "",
                },
                OwnerReferences = [ControllerReference.For(policy)],
            },
            Spec = new V1NetworkPolicySpec
            {
                PodSelector = new V1LabelSelector
                {
                    MatchLabels = new Dictionary<string, string>
                    {
                        [Labels.Component] = Labels.Components.AgentRun,
                        [Labels.Instance] = instanceName,
                    },
                },
                PolicyTypes = isolateEgress ? ["Ingress", "Egress"] : ["Ingress"],
                // No rules: all ingress denied, and with Egress listed, all egress not allowed below.
                // Null rather than empty lists, which the API server does not store.
                Ingress = null,
                Egress = isolateEgress && egress.Count > 0 ? Distinct(egress) : null,
            },
        };
    }

    private static V1NetworkPolicyEgressRule Rule(EgressPeer peer)
    {
        var rule = new V1NetworkPolicyEgressRule();
        if (peer.Port is { } port)
        {
            rule.Ports = [Port(port, peer.Protocol)];
        }

        if (peer.Cidr is { } cidr)
        {
            rule.To = [new V1NetworkPolicyPeer { IpBlock = new V1IPBlock { Cidr = cidr } }];
        }
        else if (peer.Namespace is not null || peer.PodLabels is not null)
        {
            rule.To =
            [
                new V1NetworkPolicyPeer
                {
                    NamespaceSelector = peer.Namespace is null ? null : new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = peer.Namespace } },
                    PodSelector = peer.PodLabels is null ? null : new V1LabelSelector { MatchLabels = new Dictionary<string, string>(peer.PodLabels) },
                },
            ];
        }

        return rule;
    }

    private static V1NetworkPolicyPort Port(int port, string protocol) => new() { Port = port, Protocol = protocol };

    /// <summary>Drops repeated rules (e.g. the model and an MCP server behind the same address), keeping the first.</summary>
    private static List<V1NetworkPolicyEgressRule> Distinct(List<V1NetworkPolicyEgressRule> rules)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return rules.Where(r => seen.Add(System.Text.Json.JsonSerializer.Serialize(r, KubernetesModelsJsonContext.Default.V1NetworkPolicyEgressRule))).ToList();
    }
}
