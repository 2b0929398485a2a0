using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Sympozium.Kubernetes.Client;

namespace Sympozium.Install;

/// <summary>
/// The install profile of the local cluster (components/Sympozium.LocalCluster), which has no
/// cluster DNS and no Service virtual IPs: every pod is a host process with a 127.x.y.z address
/// of its own. Before a manifest is applied, each Service host name in its pod templates
/// (container env values, args and command: <c>NAME.NAMESPACE.svc[.cluster.local][:PORT]</c>) is
/// replaced with an address of the Service's endpoints, waiting until it has a ready one, and the
/// Service port with the endpoint's port. So <c>nats://nats.sympozium-system.svc:4222</c> in the
/// controller's NATS_URL and EVENT_BUS_URL (which it passes on to agent pods) becomes
/// <c>nats://127.0.0.2:4222</c>, the NATS pod's own address.
/// <para>
/// The address is fixed at install time: if the NATS pod is replaced (a new pod, a new address;
/// container restarts keep it), re-apply the manifests that name it. Nothing else changes: the
/// manifests are the ones a real cluster gets, and components read their endpoints from the
/// environment as they do there. Admission webhooks need no profile (the local API server
/// resolves clientConfig.service through Endpoints itself), nor does the API server (the kubelet
/// sets KUBERNETES_SERVICE_HOST/PORT).
/// </para>
/// Future home: components/Sympozium.Cli (<c>install</c> against a local cluster).
/// </summary>
public sealed partial class LocalClusterProfile(KubernetesConnection connection)
{
    /// <summary>How long to wait for a named Service to have a ready endpoint (default: 2 min).</summary>
    public TimeSpan EndpointTimeout { get; init; } = TimeSpan.FromMinutes(2);

    private static readonly string[] ContainerLists = ["initContainers", "containers"];
    private static readonly string[] ArgvFields = ["command", "args"];

    [GeneratedRegex(@"(?<![-.a-z0-9])(?<service>[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.(?<namespace>[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)\.svc(?:\.cluster\.local)?(?::(?<port>[0-9]+))?(?![-.a-z0-9])")]
    private static partial Regex ServiceHost();

    /// <summary>The document with its pod templates' Service host names replaced (a copy; the input is not changed).</summary>
    public async Task<JsonObject> RewriteAsync(JsonObject document, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        var copy = document.DeepClone().AsObject();
        if (PodSpec(copy) is not { } spec)
        {
            return copy;
        }

        foreach (var container in ContainerLists.SelectMany(k => spec[k] as JsonArray ?? []).OfType<JsonObject>())
        {
            foreach (var env in (container["env"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (env["value"] is JsonValue value)
                {
                    env["value"] = await ResolveAsync(value.ToString(), cancellationToken).ConfigureAwait(false);
                }
            }

            foreach (var list in ArgvFields)
            {
                if (container[list] is JsonArray items)
                {
                    for (var i = 0; i < items.Count; i++)
                    {
                        items[i] = await ResolveAsync(items[i]?.ToString() ?? "", cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }

        return copy;
    }

    /// <summary>The pod spec of a Pod or of a workload's pod template; null for other kinds.</summary>
    private static JsonObject? PodSpec(JsonObject document) => document["kind"]?.ToString() switch
    {
        "Pod" => document["spec"] as JsonObject,
        "CronJob" => document["spec"]?["jobTemplate"]?["spec"]?["template"]?["spec"] as JsonObject,
        "Deployment" or "DaemonSet" or "StatefulSet" or "ReplicaSet" or "Job" => document["spec"]?["template"]?["spec"] as JsonObject,
        _ => null,
    };

    private async Task<string> ResolveAsync(string text, CancellationToken cancellationToken)
    {
        var matches = ServiceHost().Matches(text);
        for (var i = matches.Count - 1; i >= 0; i--) // from the end, so earlier indexes stay valid
        {
            var match = matches[i];
            int? port = match.Groups["port"].Success ? int.Parse(match.Groups["port"].Value, CultureInfo.InvariantCulture) : null;
            var (address, endpointPort) = await EndpointAsync(match.Groups["namespace"].Value, match.Groups["service"].Value, port, cancellationToken).ConfigureAwait(false);
            var replacement = port is null ? address : $"{address}:{endpointPort}";
            text = string.Concat(text.AsSpan(0, match.Index), replacement, text.AsSpan(match.Index + match.Length));
        }

        return text;
    }

    /// <summary>A ready address of the Service and the endpoint port behind <paramref name="servicePort"/>.</summary>
    private async Task<(string Address, int Port)> EndpointAsync(string ns, string name, int? servicePort, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + EndpointTimeout;
        while (true)
        {
            var service = await GetAsync($"/api/v1/namespaces/{ns}/services/{name}", cancellationToken).ConfigureAwait(false);
            var endpoints = await GetAsync($"/api/v1/namespaces/{ns}/endpoints/{name}", cancellationToken).ConfigureAwait(false);
            if (service is not null && Pick(service, endpoints, servicePort) is { } found)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(service is null
                    ? $"local cluster profile: Service {ns}/{name} does not exist; apply the manifest that defines it first"
                    : $"local cluster profile: Service {ns}/{name} has no ready endpoint{(servicePort is null ? "" : $" for port {servicePort}")} after {EndpointTimeout.TotalSeconds:0} s; check its pods");
            }

            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }
    }

    private static (string Address, int Port)? Pick(JsonObject service, JsonObject? endpoints, int? servicePort)
    {
        var ports = (service["spec"]?["ports"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var port = servicePort is null ? null : ports.FirstOrDefault(p => p["port"]?.GetValue<int>() == servicePort);
        if (servicePort is not null && port is null)
        {
            throw new InvalidOperationException($"local cluster profile: Service {service["metadata"]?["namespace"]}/{service["metadata"]?["name"]} has no port {servicePort}");
        }

        foreach (var subset in (endpoints?["subsets"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var address = (subset["addresses"] as JsonArray ?? []).OfType<JsonObject>().Select(a => a["ip"]?.ToString()).FirstOrDefault(ip => !string.IsNullOrEmpty(ip));
            if (address is null)
            {
                continue;
            }

            if (port is null)
            {
                return (address, 0);
            }

            var subsetPorts = (subset["ports"] as JsonArray ?? []).OfType<JsonObject>().ToList();
            var portName = port["name"]?.ToString();
            var match = subsetPorts.FirstOrDefault(p => p["name"]?.ToString() == portName) ?? (subsetPorts.Count == 1 ? subsetPorts[0] : null);
            if (match?["port"]?.GetValue<int>() is { } number)
            {
                return (address, number);
            }
        }

        return null;
    }

    private async Task<JsonObject?> GetAsync(string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        using var response = await connection.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        return response.IsSuccessStatusCode
            ? JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)) as JsonObject
            : null;
    }
}
