using System.Net;
using Sympozium.Testing;

namespace Sympozium.Hosting.Tests;

/// <summary>The shared probe server answers exactly what each executable's probes map, over real HTTP.</summary>
public sealed class HealthEndpointTests
{
    private static async Task<(int Status, string? ContentType, string Body)> GetAsync(int port, string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}{path}"));
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Each_path_answers_from_its_current_state_and_unknown_paths_get_the_not_found_answer()
    {
        var ready = false;
        var probes = new HealthProbes { NotFound = new(404, "text/plain; charset=utf-8", "not found: try /healthz\n") }
            .Map(["/healthz", "/livez"], () => new ProbeAnswer(200, "text/plain", "ok"))
            .Map("/readyz", () => ready ? new ProbeAnswer(200, "application/json", "{\"status\":\"ok\"}") : new ProbeAnswer(503, "application/json", "{\"status\":\"unavailable\"}"));
        var port = TestPorts.GetFreeTcpPort();
        await using var endpoint = new HealthEndpoint(IPAddress.Loopback, port, probes);
        endpoint.Start();
        Assert.Equal($"http://127.0.0.1:{port}/", endpoint.Prefix);

        Assert.Equal((200, "text/plain", "ok"), await GetAsync(port, "/healthz"));
        Assert.Equal((200, "text/plain", "ok"), await GetAsync(port, "/livez"));
        Assert.Equal((503, "application/json", "{\"status\":\"unavailable\"}"), await GetAsync(port, "/readyz"));
        ready = true;
        Assert.Equal((200, "application/json", "{\"status\":\"ok\"}"), await GetAsync(port, "/readyz"));
        Assert.Equal((404, "text/plain; charset=utf-8", "not found: try /healthz\n"), await GetAsync(port, "/metrics"));
    }

    [Fact]
    public async Task An_answer_without_content_type_sends_none()
    {
        var port = TestPorts.GetFreeTcpPort();
        await using var endpoint = new HealthEndpoint("127.0.0.1", port, new HealthProbes().Map("/healthz", () => new ProbeAnswer(200, null, "ok")));
        endpoint.Start();
        Assert.Equal((200, null, "ok"), await GetAsync(port, "/healthz"));
    }

    [Fact]
    public async Task A_taken_port_fails_at_start()
    {
        var port = TestPorts.GetFreeTcpPort();
        await using var first = new HealthEndpoint(IPAddress.Loopback, port, new HealthProbes());
        first.Start();
        await using var second = new HealthEndpoint(IPAddress.Loopback, port, new HealthProbes());
        Assert.Throws<HttpListenerException>(second.Start);
    }

    [Fact]
    public void Readiness_lists_every_check_and_is_503_when_one_fails()
    {
        var checks = new[]
        {
            new ReadinessCheck("caches", () => (true, "every informer has synced")),
            new ReadinessCheck("event-bus", () => (false, "not connected")),
        };
        Assert.Equal(
            new ProbeAnswer(503, "text/plain; charset=utf-8", "[+] caches: every informer has synced\n[-] event-bus: not connected\nnot ready\n"),
            ReadinessCheck.Evaluate(checks));
        Assert.Equal(new ProbeAnswer(200, "text/plain; charset=utf-8", "[+] caches: every informer has synced\nready\n"), ReadinessCheck.Evaluate(checks[..1]));
    }

    [Theory]
    [InlineData(null, "+")]
    [InlineData("10.1.2.3", "10.1.2.3")]
    [InlineData("fd00::1", "[fd00::1]")]
    public void Listener_hosts_are_written_as_HttpListener_wants_them(string? address, string host) =>
        Assert.Equal(host, HttpEndpoint.Host(address is null ? null : IPAddress.Parse(address)));
}
