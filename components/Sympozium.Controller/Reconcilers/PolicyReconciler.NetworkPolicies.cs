using System.Text.Json;
using k8s;
using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;
using Sympozium.Controller.Builders;
using Sympozium.Kubernetes.Client;

namespace Sympozium.Controller.Reconcilers;

/// <summary>The NetworkPolicies of a policy: desired per bound instance, stale ones removed.</summary>
public sealed partial class PolicyReconciler
{
    private static readonly ApiResource Endpoints = new("", "v1", "endpoints", "Endpoints");

    private async Task<List<string>> ReconcileNetworkPoliciesAsync(SympoziumPolicy policy, List<SympoziumInstance> bound, CancellationToken cancellationToken)
    {
        var ns = policy.Metadata.Namespace!;
        var services = new Dictionary<(string, string), ServiceTarget?>();
        IReadOnlyList<EgressPeer>? apiServer = null;
        var names = new List<string>();
        foreach (var instance in bound)
        {
            var inputs = await InputsAsync(policy, instance, services, cancellationToken).ConfigureAwait(false);
            if (inputs.NeedsKubernetesApi)
            {
                apiServer ??= await KubernetesApiAsync(cancellationToken).ConfigureAwait(false);
                inputs = inputs with { KubernetesApi = apiServer };
            }

            var desired = NetworkPolicyBuilder.Build(inputs);
            await ApplyAsync(ns, desired, cancellationToken).ConfigureAwait(false);
            names.Add(desired.Metadata.Name);
        }

        var existing = await clients.NetworkPolicies.ListAsync(ns, $"{Labels.ManagedBy}={Labels.Values.Sympozium},{Labels.Policy}={policy.Metadata.Name}", cancellationToken: cancellationToken).ConfigureAwait(false);
        foreach (var stale in existing.Items.Where(n => !names.Contains(n.Metadata.Name)))
        {
            await clients.NetworkPolicies.DeleteAsync(ns, stale.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        return names;
    }

    private async Task<NetworkPolicyInputs> InputsAsync(SympoziumPolicy policy, SympoziumInstance instance, Dictionary<(string, string), ServiceTarget?> services, CancellationToken cancellationToken)
    {
        var ns = instance.Metadata.Namespace!;

        // Services named by URLs, resolved first so the pure builder gets their selectors.
        var urls = new List<string?> { instance.Spec.Agents.Default.BaseURL };
        if (instance.Spec.Observability is { Enabled: true, OtlpEndpoint: { Length: > 0 } otlp })
        {
            urls.Add(otlp.Contains("://", StringComparison.Ordinal) ? otlp : "http://" + otlp);
        }

        var mcpUrls = new List<string>();
        var mcpPeers = new List<EgressPeer>();
        foreach (var reference in instance.Spec.McpServers ?? [])
        {
            if (!string.IsNullOrEmpty(reference.Url))
            {
                mcpUrls.Add(reference.Url);
                continue;
            }

            var server = await SystemNamespaceFallback.GetAsync(clients.McpServers, ns, reference.Name, cancellationToken).ConfigureAwait(false);
            if (server?.Spec.Url is { Length: > 0 } url)
            {
                mcpUrls.Add(url);
            }
            else if (server is not null)
            {
                var port = server.Spec.TransportType == "stdio" ? 8080 : server.Spec.Deployment?.Port ?? 8080;
                mcpPeers.Add(new EgressPeer(server.Metadata.Namespace, new Dictionary<string, string>
                {
                    [Labels.AppName] = "mcpserver",
                    [Labels.AppInstance] = server.Metadata.Name ?? "",
                }, null, port));
            }
        }

        foreach (var url in urls.Concat(mcpUrls))
        {
            if (ServiceOf(url, ns) is { } key && !services.ContainsKey(key))
            {
                services[key] = await ServiceTargetAsync(key.Item1, key.Item2, cancellationToken).ConfigureAwait(false);
            }
        }

        ServiceTarget? Resolve(string serviceNs, string name) => services.GetValueOrDefault((serviceNs, name));
        mcpPeers.AddRange(mcpUrls.Select(u => EgressPeer.FromUrl(u, ns, Resolve)).OfType<EgressPeer>());

        var needsApi = false;
        foreach (var skill in instance.Spec.Skills ?? [])
        {
            if (SkillPackRefs.PackName(skill.SkillPackRef) is not { } packName)
            {
                continue;
            }

            var pack = await SystemNamespaceFallback.GetAsync(clients.SkillPacks, ns, packName, cancellationToken).ConfigureAwait(false);
            needsApi |= pack?.Spec.Sidecar is { } sidecar && (sidecar.Rbac is { Count: > 0 } || sidecar.ClusterRBAC is { Count: > 0 });
        }

        return new NetworkPolicyInputs
        {
            Policy = policy,
            Instance = instance,
            ModelEndpoint = EgressPeer.FromUrl(instance.Spec.Agents.Default.BaseURL, ns, Resolve),
            TelemetryEndpoint = urls.Count > 1 ? EgressPeer.FromUrl(urls[1], ns, Resolve) : null,
            McpServers = mcpPeers,
            NeedsKubernetesApi = needsApi,
        };
    }

    /// <summary>The Service a URL's host names (bare name or name.ns.svc…), or null.</summary>
    private static (string, string)? ServiceOf(string? url, string ns)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return null;
        }

        var labels = uri.Host.ToLowerInvariant().Split('.');
        return labels.Length switch
        {
            1 when labels[0] != "localhost" => (ns, labels[0]),
            3 when labels[2] == "svc" => (labels[1], labels[0]),
            5 when uri.Host.EndsWith(".svc.cluster.local", StringComparison.OrdinalIgnoreCase) => (labels[1], labels[0]),
            _ => null,
        };
    }

    private async Task<ServiceTarget?> ServiceTargetAsync(string ns, string name, CancellationToken cancellationToken)
    {
        var service = await clients.Services.GetAsync(ns, name, cancellationToken).ConfigureAwait(false);
        if (service?.Spec?.Selector is not { Count: > 0 } selector)
        {
            return null;
        }

        var ports = new Dictionary<int, int>();
        foreach (var port in service.Spec.Ports ?? [])
        {
            var target = port.TargetPort?.Value;
            if (string.IsNullOrEmpty(target))
            {
                ports[port.Port] = port.Port;
            }
            else if (int.TryParse(target, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var number))
            {
                ports[port.Port] = number;
            }
        }

        return new ServiceTarget(new Dictionary<string, string>(selector), ports);
    }

    /// <summary>The API server's addresses from the default/kubernetes Endpoints; empty when they cannot be read.</summary>
    private async Task<IReadOnlyList<EgressPeer>> KubernetesApiAsync(CancellationToken cancellationToken)
    {
        var client = new ResourceClient<V1Endpoints>(clients.Connection, Endpoints, ResourceSerializer.FromTypeInfo(KubernetesModelsJsonContext.Default.V1Endpoints));
        V1Endpoints? endpoints;
        try
        {
            endpoints = await client.GetAsync("default", "kubernetes", cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException)
        {
            return [];
        }

        return (endpoints?.Subsets ?? [])
            .SelectMany(s => (s.Addresses ?? []).SelectMany(a => (s.Ports ?? []).Select(p => EgressPeer.FromAllowedHost(a.Ip, p.Port))))
            .Distinct()
            .ToList();
    }

    private async Task ApplyAsync(string ns, V1NetworkPolicy desired, CancellationToken cancellationToken)
    {
        var current = await clients.NetworkPolicies.GetAsync(ns, desired.Metadata.Name, cancellationToken).ConfigureAwait(false);
        if (current is null)
        {
            await clients.NetworkPolicies.CreateAsync(ns, desired, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (JsonSerializer.Serialize(current.Spec, KubernetesModelsJsonContext.Default.V1NetworkPolicySpec) == JsonSerializer.Serialize(desired.Spec, KubernetesModelsJsonContext.Default.V1NetworkPolicySpec)
            && desired.Metadata.Labels.All(l => current.Metadata.Labels is { } labels && labels.TryGetValue(l.Key, out var value) && value == l.Value)
            && current.Metadata.OwnerReferences?.FirstOrDefault()?.Uid == desired.Metadata.OwnerReferences[0].Uid)
        {
            return;
        }

        desired.Metadata.ResourceVersion = current.Metadata.ResourceVersion;
        await clients.NetworkPolicies.ReplaceAsync(ns, desired.Metadata.Name, desired, cancellationToken).ConfigureAwait(false);
    }
}
