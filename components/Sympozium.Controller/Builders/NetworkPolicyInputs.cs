using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;

namespace Sympozium.Controller.Builders;

/// <summary>What the NetworkPolicy of one instance's agent pods is built from; the reconciler resolves the references.</summary>
public sealed record NetworkPolicyInputs
{
    public required SympoziumPolicy Policy { get; init; }

    public required SympoziumInstance Instance { get; init; }

    /// <summary>The LLM endpoint (from the instance's baseURL); null: a hosted provider, HTTPS anywhere.</summary>
    public EgressPeer? ModelEndpoint { get; init; }

    /// <summary>The instance's OTLP endpoint when observability is on.</summary>
    public EgressPeer? TelemetryEndpoint { get; init; }

    /// <summary>The MCP servers the instance uses.</summary>
    public IReadOnlyList<EgressPeer> McpServers { get; init; } = [];

    /// <summary>True when a skill of the instance has RBAC, so its sidecar calls the Kubernetes API.</summary>
    public bool NeedsKubernetesApi { get; init; }

    /// <summary>API server addresses (the default/kubernetes Endpoints); empty: TCP 443 and 6443 anywhere.</summary>
    public IReadOnlyList<EgressPeer> KubernetesApi { get; init; } = [];

    /// <summary>Namespace of NATS (default sympozium-system).</summary>
    public string SystemNamespace { get; init; } = Defaults.SystemNamespace;
}
