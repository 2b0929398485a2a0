using System.Net;
using System.Net.Sockets;

namespace Sympozium.AgentRunner.Tools.BuiltIn;

/// <summary>
/// Which IP addresses <c>fetch_url</c> may connect to: public unicast only, unless the policy
/// allows private networks. Refused: loopback, RFC 1918 private, CGNAT (100.64/10), link-local
/// (169.254/16 with the cloud metadata endpoint, fe80::/10), unique-local (fc00::/7), unspecified,
/// multicast, broadcast and reserved ranges, including IPv4 addresses embedded in IPv6
/// (::ffff:a.b.c.d, NAT64, 6to4).
/// </summary>
internal static class NetworkAddressPolicy
{
    /// <summary>Null when <paramref name="address"/> is public; else what kind of address it is ("a loopback address").</summary>
    public static string? Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            return Classify(address.MapToIPv4());
        }

        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => ClassifyV4(address.GetAddressBytes()),
            AddressFamily.InterNetworkV6 => ClassifyV6(address),
            _ => "not an IP address",
        };
    }

    private static string? ClassifyV4(byte[] b) => b switch
    {
        [0, ..] => "an unspecified address",
        [10, ..] => "a private address",
        [127, ..] => "a loopback address",
        [169, 254, ..] => "a link-local address (cloud metadata lives here)",
        [172, >= 16 and <= 31, ..] => "a private address",
        [192, 168, ..] => "a private address",
        [100, >= 64 and <= 127, ..] => "a carrier-grade NAT address",
        [192, 0, 0, _] => "a reserved address",
        [198, 18 or 19, ..] => "a reserved address",
        [>= 224 and <= 239, ..] => "a multicast address",
        [>= 240, ..] => "a reserved or broadcast address",
        _ => null,
    };

    private static string? ClassifyV6(IPAddress address)
    {
        if (address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.IPv6None))
        {
            return "an unspecified address";
        }

        if (IPAddress.IsLoopback(address))
        {
            return "a loopback address";
        }

        var b = address.GetAddressBytes();
        if (address.IsIPv6Multicast)
        {
            return "a multicast address";
        }

        if (address.IsIPv6LinkLocal)
        {
            return "a link-local address";
        }

        if (address.IsIPv6SiteLocal)
        {
            return "a site-local address";
        }

        if ((b[0] & 0xFE) == 0xFC)
        {
            return "a unique-local (private) address";
        }

        // IPv4-compatible ::a.b.c.d (deprecated), NAT64 64:ff9b::/96 and 6to4 2002::/16 reach an
        // IPv4 address: judge that one.
        if (b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0)
        {
            return ClassifyV4(b[12..16]);
        }

        if (b is [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0, ..])
        {
            return ClassifyV4(b[12..16]);
        }

        if (b is [0x20, 0x02, ..])
        {
            return ClassifyV4(b[2..6]);
        }

        return null;
    }
}
