using System.Net;
using System.Net.Sockets;

namespace Sympozium.AgentRunner.Tools.BuiltIn;

/// <summary>
/// The <see cref="SocketsHttpHandler.ConnectCallback"/> of fetch_url: resolves the host itself,
/// drops every address the policy refuses and connects to one it checked. The check and the
/// connection use the same address, so a DNS answer that changes between the two (rebinding)
/// cannot slip a private address through; every redirect hop opens its connection here too.
/// </summary>
internal sealed class GuardedConnector(Func<IPAddress, string?> classify)
{
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var port = context.DnsEndPoint.Port;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);

        var allowed = new List<IPAddress>();
        string? refusal = null;
        foreach (var address in addresses)
        {
            if (classify(address) is { } kind)
            {
                refusal ??= $"{host} resolves to {address}, {kind}";
            }
            else
            {
                allowed.Add(address);
            }
        }

        if (allowed.Count == 0)
        {
            throw new FetchRefusedException(refusal ?? $"{host} has no addresses");
        }

        SocketException? last = null;
        foreach (var address in allowed)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last!;
    }
}
