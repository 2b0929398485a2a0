using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Sympozium.Testing.Tests;

public sealed class TestPortsTests
{
    [Fact]
    public void Free_ports_are_distinct_and_bindable_on_loopback()
    {
        var ports = Enumerable.Range(0, 20).Select(_ => TestPorts.GetFreeTcpPort()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
        foreach (var port in ports)
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
        }
    }

    [Fact]
    public void Free_ports_stay_below_the_ephemeral_range()
    {
        var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        var ephemeralStart = int.Parse(range[0], CultureInfo.InvariantCulture);

        var ports = Enumerable.Range(0, 20).Select(_ => TestPorts.GetFreeTcpPort()).ToList();

        Assert.All(ports, port => Assert.InRange(port, 1024, ephemeralStart - 1));
    }
}
