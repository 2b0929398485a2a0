using System.Globalization;
using System.Net;

namespace Sympozium.Controller.Builders;

/// <summary>
/// One destination an agent pod may reach, as a NetworkPolicy can express it: pods (by labels,
/// in a namespace), an IP block, or anywhere; on one port or all. NetworkPolicies cannot name a
/// DNS host, so an external host name becomes "anywhere, on its port".
/// </summary>
public sealed record EgressPeer(string? Namespace, IReadOnlyDictionary<string, string>? PodLabels, string? Cidr, int? Port, string Protocol = "TCP")
{
    /// <summary>Any address on <paramref name="port"/>.</summary>
    public static EgressPeer Anywhere(int? port, string protocol = "TCP") => new(null, null, null, port, protocol);

    /// <summary>
    /// Where <paramref name="url"/> points: an IP address → that address; <c>svc.ns.svc[.cluster.local]</c>
    /// or a bare service name → the Service's pods when <paramref name="service"/> resolves it (its
    /// selector and target port), else the Service's namespace on the URL's port; anything else →
    /// anywhere on the URL's port. Loopback and unparsable URLs need no rule (null).
    /// </summary>
    public static EgressPeer? FromUrl(string? url, string instanceNamespace, Func<string, string, ServiceTarget?> service)
    {
        ArgumentNullException.ThrowIfNull(service);
        if (string.IsNullOrEmpty(url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            return null;
        }

        var host = uri.Host.Trim('[', ']').ToLowerInvariant();
        var port = uri.Port > 0 ? uri.Port : (int?)null;
        if (host == "localhost" || (IPAddress.TryParse(host, out var loopback) && IPAddress.IsLoopback(loopback)))
        {
            return null;
        }

        if (IPAddress.TryParse(host, out var address))
        {
            return new EgressPeer(null, null, address.ToString() + (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "/128" : "/32"), port);
        }

        var labels = host.Split('.');
        (string Namespace, string Name)? inCluster = labels.Length switch
        {
            1 => (instanceNamespace, labels[0]),
            3 when labels[2] == "svc" => (labels[1], labels[0]),
            5 when host.EndsWith(".svc.cluster.local", StringComparison.Ordinal) => (labels[1], labels[0]),
            _ => null,
        };
        if (inCluster is not { } target)
        {
            return Anywhere(port);
        }

        if (service(target.Namespace, target.Name) is { Selector.Count: > 0 } resolved)
        {
            return new EgressPeer(target.Namespace, resolved.Selector, null, resolved.TargetPort(port) ?? port);
        }

        return new EgressPeer(target.Namespace, null, null, port);
    }

    /// <summary>A policy's allowedEgress entry: an IP or CIDR as a block, a host name as anywhere (on its port, HTTPS when none).</summary>
    public static EgressPeer FromAllowedHost(string host, int? port)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (IPNetwork.TryParse(host, out var network))
        {
            return new EgressPeer(null, null, network.ToString(), port);
        }

        if (IPAddress.TryParse(host, out var address))
        {
            return new EgressPeer(null, null, address + (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "/128" : "/32"), port);
        }

        return Anywhere(port ?? 443);
    }

    public override string ToString() =>
        $"{Namespace ?? "*"}/{(PodLabels is null ? "*" : string.Join(",", PodLabels.Select(l => l.Key + "=" + l.Value)))}/{Cidr ?? "*"}:{Port?.ToString(CultureInfo.InvariantCulture) ?? "*"}";
}

/// <summary>A Service as a NetworkPolicy needs it: the pods it selects and its port mapping (service port → numeric target port).</summary>
public sealed record ServiceTarget(IReadOnlyDictionary<string, string> Selector, IReadOnlyDictionary<int, int> Ports)
{
    /// <summary>The pod port behind <paramref name="servicePort"/> (the only port when none is given); null when unknown or named.</summary>
    public int? TargetPort(int? servicePort) =>
        servicePort is { } p && Ports.TryGetValue(p, out var target) ? target
        : servicePort is null && Ports.Count == 1 ? Ports.Values.First()
        : null;
}
