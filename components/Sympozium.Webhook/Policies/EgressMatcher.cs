using System.Net;

namespace Sympozium.Webhook.Policies;

/// <summary>Whether a host and port are listed in a policy's <c>networkPolicy.allowedEgress</c> (host name, IP address or CIDR).</summary>
public static class EgressMatcher
{
    public static bool Allows(IEnumerable<Api.Kinds.EgressRule>? rules, string host, int port)
    {
        ArgumentNullException.ThrowIfNull(host);
        foreach (var rule in rules ?? [])
        {
            if (rule.Port is { } p && p != port)
            {
                continue;
            }

            if (string.Equals(rule.Host, host, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            if (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPNetwork.TryParse(rule.Host, out var network) && network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }
}
