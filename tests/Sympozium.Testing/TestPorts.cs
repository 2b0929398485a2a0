using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Sympozium.Testing;

/// <summary>Free TCP ports on the loopback interface for servers that tests start.</summary>
public static class TestPorts
{
    private const string EphemeralRangeFile = "/proc/sys/net/ipv4/ip_local_port_range";
    private const int LowestCandidate = 20000;
    private static readonly HashSet<int> HandedOut = [];
    private static readonly Lock Gate = new();

    /// <summary>
    /// Returns a TCP port that was free on 127.0.0.1 a moment ago and that this process has not
    /// handed out before.
    /// </summary>
    /// <remarks>
    /// Ports come from below the kernel's ephemeral range when it is known: an outgoing
    /// connection (a client retrying while its server restarts) can then never take the port,
    /// nor connect to itself on it. Another process may still bind the port between this call
    /// and the server's own bind; <see cref="NatsServer"/> retries with new ports in that case.
    /// </remarks>
    public static int GetFreeTcpPort()
    {
        var ephemeralStart = ReadEphemeralRangeStart();
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var candidate = ephemeralStart > LowestCandidate + 1000
                ? Random.Shared.Next(LowestCandidate, ephemeralStart)
                : 0;
            var port = TryBind(candidate);
            if (port == 0)
            {
                continue;
            }

            lock (Gate)
            {
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }

        throw new InvalidOperationException("No free TCP port found on 127.0.0.1 after 200 attempts.");
    }

    /// <summary>Binds <paramref name="port"/> (0: any) on 127.0.0.1 and releases it; 0 if it was taken.</summary>
    private static int TryBind(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            socket.Listen();
            return ((IPEndPoint)socket.LocalEndPoint!).Port;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            return 0;
        }
    }

    private static int ReadEphemeralRangeStart()
    {
        try
        {
            var first = File.ReadAllText(EphemeralRangeFile)
                .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0];
            return int.Parse(first, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }
}
