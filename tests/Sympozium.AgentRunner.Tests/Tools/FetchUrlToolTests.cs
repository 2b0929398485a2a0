using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Sympozium.AgentRunner.Tools;
using Sympozium.AgentRunner.Tools.BuiltIn;

namespace Sympozium.AgentRunner.Tests.Tools;

/// <summary>fetch_url against a real local server: the SSRF guard
/// (docs/design/upstream-fixes.md#dp-8), redirects, HTML to text, errors.</summary>
public sealed class FetchUrlToolTests : IAsyncLifetime
{
    private const string Page = """
        <!DOCTYPE html>
        <html><head><title>Ignored title</title><style>body { color: red }</style>
        <script>var secret = "script-body";</script></head>
        <body>
          <h1>Cluster &amp; Status</h1>
          <p>All <b>4</b>2 nodes are <i>ready</i>.</p>
          <noscript>enable js</noscript>
          <svg><text>svg-text</text></svg>
          <table><tr><th>Node</th><th>State</th></tr><tr><td>n1</td><td>Ready</td></tr></table>
          <ul><li>one</li><li>two&nbsp;&lt;2&gt;</li></ul>
        </body></html>
        """;

    private LocalWebServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await LocalWebServer.StartAsync(app =>
        {
            app.MapGet("/page", () => Results.Content(Page, "text/html; charset=utf-8"));
            app.MapGet("/json", () => Results.Content("""{"items":[1,2]}""", "application/json"));
            app.MapGet("/missing", () => Results.Content("no such page", "text/plain", statusCode: 404));
            app.MapGet("/long", () => Results.Content(new string('z', 5000), "text/plain"));
            app.MapGet("/hop/{n:int}", (int n) => n == 0 ? Results.Content("arrived", "text/plain") : Results.Redirect($"/hop/{n - 1}"));
            app.MapGet("/to-metadata", () => Results.Redirect("http://169.254.169.254/latest/meta-data/"));
            app.MapGet("/to-private", () => Results.Redirect("http://10.1.2.3/admin"));
            app.MapGet("/to-file", () => Results.Redirect("file:///etc/passwd"));
            app.MapGet("/to-localhost", (HttpContext c) => Results.Redirect($"http://localhost:{c.Connection.LocalPort}/echo-headers"));
            app.MapGet("/echo-headers", (HttpContext c) => Results.Content(
                $"auth={c.Request.Headers.Authorization} custom={c.Request.Headers["X-Custom"]} ua={c.Request.Headers.UserAgent}", "text/plain"));
        });
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static ToolRegistry Registry(ToolsOptions options)
    {
        var registry = new ToolRegistry();
        registry.Register(new FetchUrlTool(options, TimeProvider.System));
        return registry;
    }

    /// <summary>The public policy, except that 127.0.0.1 (this test's server) counts as public.</summary>
    private static ToolRegistry RegistryReachingOnlyTheTestServer()
    {
        var registry = new ToolRegistry();
        registry.Register(new FetchUrlTool(ToolsOptions.Default, TimeProvider.System,
            a => a.Equals(IPAddress.Loopback) ? null : NetworkAddressPolicy.Classify(a)));
        return registry;
    }

    private static readonly ToolsOptions AllowPrivate = ToolsOptions.Default with { FetchAllowPrivateNetworks = true };

    private static Task<ToolResult> Fetch(ToolRegistry registry, string url, JsonObject? extra = null)
    {
        var arguments = extra ?? [];
        arguments["url"] = url;
        return registry.Call("fetch_url", arguments);
    }

    [Fact]
    public async Task Loopback_is_refused_by_default_and_nothing_is_sent()
    {
        using var root = new ToolTestRoot();

        var result = await Fetch(root.BuiltIns(ToolsOptions.Default), _server.BaseUrl + "/json");

        Assert.True(result.IsError);
        Assert.StartsWith("Error: access denied — 127.0.0.1 resolves to 127.0.0.1, a loopback address", result.Text, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task A_host_name_that_resolves_to_loopback_is_refused_too()
    {
        var result = await Fetch(Registry(ToolsOptions.Default), $"http://localhost:{_server.Port}/json");

        Assert.True(result.IsError);
        Assert.Contains("localhost resolves to", result.Text, StringComparison.Ordinal);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task Private_networks_are_reachable_when_the_policy_allows_them()
    {
        var result = await Fetch(Registry(AllowPrivate), _server.BaseUrl + "/json");

        Assert.Equal(("""{"items":[1,2]}""", false), (result.Text, result.IsError));
    }

    [Theory]
    [InlineData("/to-metadata", "169.254.169.254", "link-local")]
    [InlineData("/to-private", "10.1.2.3", "a private address")]
    public async Task A_redirect_to_a_private_address_is_refused(string path, string address, string kind)
    {
        var result = await Fetch(RegistryReachingOnlyTheTestServer(), _server.BaseUrl + path);

        Assert.True(result.IsError);
        Assert.StartsWith($"Error: access denied — {address} resolves to {address}, ", result.Text, StringComparison.Ordinal);
        Assert.Contains(kind, result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_redirect_to_a_non_http_scheme_is_refused()
    {
        var result = await Fetch(Registry(AllowPrivate), _server.BaseUrl + "/to-file");

        Assert.True(result.IsError);
        Assert.Contains("redirect to a file: URL refused", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Up_to_five_redirects_are_followed_and_the_sixth_is_not()
    {
        var registry = Registry(AllowPrivate);

        var five = await Fetch(registry, _server.BaseUrl + "/hop/5");
        var six = await Fetch(registry, _server.BaseUrl + "/hop/6");

        Assert.Equal(("arrived", false), (five.Text, five.IsError));
        Assert.Equal(("Error fetching URL: stopped after 5 redirects", true), (six.Text, six.IsError));
    }

    [Fact]
    public async Task Custom_headers_are_sent_but_credentials_stay_with_the_original_host()
    {
        var headers = new JsonObject { ["headers"] = new JsonObject { ["Authorization"] = "Bearer t0k3n", ["X-Custom"] = "yes" } };

        var same = await Fetch(Registry(AllowPrivate), _server.BaseUrl + "/echo-headers", headers);
        var moved = await Fetch(Registry(AllowPrivate), _server.BaseUrl + "/to-localhost",
            new JsonObject { ["headers"] = new JsonObject { ["Authorization"] = "Bearer t0k3n", ["X-Custom"] = "yes" } });

        Assert.Equal("auth=Bearer t0k3n custom=yes ua=Sympozium/1.0 (agent-runner)", same.Text);
        Assert.Equal("auth= custom=yes ua=Sympozium/1.0 (agent-runner)", moved.Text);
    }

    [Fact]
    public async Task A_fetched_url_is_logged_without_its_credentials_query_or_headers()
    {
        var lines = new List<string>();
        var registry = Registry(AllowPrivate with { Log = lines.Add });
        var url = _server.BaseUrl.Replace("http://", "http://alice:pa55w0rd@", StringComparison.Ordinal) + "/json?api_key=s3cr3t#frag";

        var result = await Fetch(registry, url, new JsonObject { ["headers"] = new JsonObject { ["Authorization"] = "Bearer t0k3n" } });

        Assert.False(result.IsError, result.Text);
        var line = Assert.Single(lines, l => l.Contains("fetched", StringComparison.Ordinal));
        Assert.Contains(_server.BaseUrl + "/json:", line, StringComparison.Ordinal);
        foreach (var secret in new[] { "alice", "pa55w0rd", "api_key", "s3cr3t", "frag", "t0k3n" })
        {
            Assert.DoesNotContain(secret, string.Join("\n", lines), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Headers_that_cannot_go_on_a_get_request_are_skipped()
    {
        var headers = new JsonObject { ["headers"] = new JsonObject { ["Content-Type"] = "application/json", ["Bad Name"] = "x", ["X-Custom"] = "kept", ["n"] = 1 } };

        var result = await Fetch(Registry(AllowPrivate), _server.BaseUrl + "/echo-headers", headers);

        Assert.Equal(("auth= custom=kept ua=Sympozium/1.0 (agent-runner)", false), (result.Text, result.IsError));
    }

    [Fact]
    public async Task Html_is_converted_to_readable_text()
    {
        var result = await Fetch(Registry(AllowPrivate), _server.BaseUrl + "/page");

        Assert.False(result.IsError);
        Assert.Equal("Cluster & Status\n\nAll 42 nodes are ready.\n\nNode\tState\nn1\tReady\n\none\ntwo <2>", result.Text);
    }

    [Fact]
    public async Task An_http_error_returns_code_reason_and_the_start_of_the_body()
    {
        var result = await Fetch(Registry(AllowPrivate), _server.BaseUrl + "/missing");

        Assert.Equal(("HTTP 404 Not Found\nno such page", true), (result.Text, result.IsError));
    }

    [Fact]
    public async Task Max_chars_cuts_the_text_and_says_so()
    {
        var result = await Fetch(Registry(AllowPrivate), _server.BaseUrl + "/long", new JsonObject { ["maxChars"] = 10 });

        Assert.Equal("zzzzzzzzzz\n\n... (truncated at 10 chars, total ~5000)", result.Text);
    }

    [Fact]
    public async Task The_body_is_read_only_up_to_the_cap()
    {
        var result = await Fetch(Registry(AllowPrivate with { FetchMaxBodyBytes = 1000 }), _server.BaseUrl + "/long");

        Assert.Equal(new string('z', 1000), result.Text);
    }

    [Theory]
    [InlineData("ftp://example.com/file")]
    [InlineData("file:///etc/passwd")]
    [InlineData("example.com")]
    public async Task Only_http_and_https_urls_are_accepted(string url)
    {
        var result = await Fetch(Registry(AllowPrivate), url);

        Assert.Equal(("Error: url must start with http:// or https://", true), (result.Text, result.IsError));
    }

    [Fact]
    public async Task An_unreachable_server_is_reported_as_a_fetch_error()
    {
        var port = Sympozium.Testing.TestPorts.GetFreeTcpPort();

        var result = await Fetch(Registry(AllowPrivate), $"http://127.0.0.1:{port}/");

        Assert.True(result.IsError);
        Assert.StartsWith($"Error fetching URL: could not connect to 127.0.0.1:{port}", result.Text, StringComparison.Ordinal);
    }
}
