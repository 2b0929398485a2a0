using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Sympozium.AgentRunner.Tools;
using Sympozium.AgentRunner.Tools.Memory;

namespace Sympozium.AgentRunner.Tests.Tools;

/// <summary>The memory tools and the auto-context/auto-store calls against a local memory server
/// (docs/design/agent-runner.md#memory).</summary>
public sealed class MemoryToolsTests : IAsyncLifetime
{
    private const string TwoEntries = """
        {"success":true,"content":[
          {"id":1,"content":"kafka consumer lag in payments","tags":["kafka","payments"],"created_at":"2026-01-01T10:00:00Z","updated_at":"2026-01-01T10:00:00Z"},
          {"id":2,"content":"restarted the broker","created_at":"2026-01-02T10:00:00Z"}]}
        """;

    private LocalWebServer _server = null!;
    private string _searchAnswer = TwoEntries;

    public async Task InitializeAsync()
    {
        _server = await LocalWebServer.StartAsync(app =>
        {
            app.MapPost("/search", () => Results.Content(_searchAnswer, "application/json"));
            app.MapPost("/store", () => Results.Content("""{"success":true,"content":{"id":7,"stored_at":"2026-01-03T00:00:00Z"}}""", "application/json"));
            app.MapGet("/list", () => Results.Content("""{"success":true,"content":[]}""", "application/json"));
        });
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private (ToolRegistry Registry, MemoryClient Client) Register(ToolsOptions? options = null)
    {
        var registry = new ToolRegistry();
        var client = MemoryTools.Register(registry, (options ?? ToolsOptions.Default) with { MemoryServerUrl = _server.BaseUrl + "/" });
        return (registry, client!);
    }

    [Fact]
    public void Without_a_server_url_no_memory_tool_is_registered()
    {
        var registry = new ToolRegistry();

        Assert.Null(MemoryTools.Register(registry, ToolsOptions.Default));
        Assert.Equal(0, registry.Count);
    }

    [Fact]
    public void With_a_server_url_the_three_memory_tools_are_registered()
    {
        var (registry, client) = Register();
        using var _ = client;

        Assert.Equal(["memory_search", "memory_store", "memory_list"], registry.Definitions.Select(d => d.Name));
        Assert.Equal(_server.BaseUrl, client.BaseUrl);
    }

    [Fact]
    public async Task Search_posts_the_arguments_and_formats_the_entries()
    {
        var (registry, client) = Register();
        using var _ = client;

        var result = await registry.Call("memory_search", """{"query":"kafka lag","top_k":2}""");

        Assert.Equal(
            "**Memory #1** (2026-01-01T10:00:00Z) [kafka, payments]\nkafka consumer lag in payments\n\n---\n**Memory #2** (2026-01-02T10:00:00Z)\nrestarted the broker\n",
            result.Text);
        var request = Assert.Single(_server.Requests);
        Assert.Equal(("POST", "/search"), (request.Method, request.PathAndQuery));
        Assert.Equal("""{"query":"kafka lag","top_k":2}""", request.Body);
    }

    [Fact]
    public async Task Store_returns_the_server_answer_as_written()
    {
        var (registry, client) = Register();
        using var _ = client;

        var result = await registry.Call("memory_store", """{"content":"root cause: OOM","tags":["oom"]}""");

        Assert.Equal(("""{"id":7,"stored_at":"2026-01-03T00:00:00Z"}""", false), (result.Text, result.IsError));
        Assert.Equal("""{"content":"root cause: OOM","tags":["oom"]}""", Assert.Single(_server.Requests).Body);
    }

    [Fact]
    public async Task List_url_encodes_the_tag_filter_and_an_empty_list_reads_as_brackets()
    {
        var (registry, client) = Register();
        using var _ = client;

        var result = await registry.Call("memory_list", """{"tags":"a b&c=d","limit":5}""");

        Assert.Equal("[]", result.Text);
        Assert.Equal("/list?tags=a%20b%26c%3Dd&limit=5", Assert.Single(_server.Requests).PathAndQuery);
    }

    [Fact]
    public async Task A_server_error_answer_and_a_failed_operation_are_flagged_as_errors()
    {
        var (registry, client) = Register();
        using var _ = client;

        _searchAnswer = """{"success":false,"error":"database is locked"}""";
        var failed = await registry.Call("memory_search", """{"query":"x"}""");

        Assert.Equal(("Memory error: database is locked", true), (failed.Text, failed.IsError));
    }

    [Fact]
    public async Task A_non_200_answer_is_reported_with_its_body()
    {
        await using var server = await LocalWebServer.StartAsync(app =>
            app.MapPost("/search", () => Results.Content("""{"success":false,"error":"'query' is required"}""", "application/json", statusCode: 400)));
        var registry = new ToolRegistry();
        using var client = MemoryTools.Register(registry, ToolsOptions.Default with { MemoryServerUrl = server.BaseUrl })!;

        var result = await registry.Call("memory_search", """{"query":"x"}""");

        Assert.Equal(("""Memory server returned 400: {"success":false,"error":"'query' is required"}""", true), (result.Text, result.IsError));
    }

    [Fact]
    public async Task Required_arguments_are_checked_before_calling_the_server()
    {
        var (registry, client) = Register();
        using var _ = client;

        var search = await registry.Call("memory_search", "{}");
        var store = await registry.Call("memory_store", """{"tags":["x"]}""");

        Assert.Equal(("Error: 'query' is required", true), (search.Text, search.IsError));
        Assert.Equal(("Error: 'content' is required", true), (store.Text, store.IsError));
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task A_server_that_refuses_connections_twice_is_reached_on_the_third_attempt_after_backoff()
    {
        var port = Sympozium.Testing.TestPorts.GetFreeTcpPort();
        LocalWebServer? late = null;
        var attempts = 0;
        using var handler = new CallbackHandler(async (_, failed) =>
        {
            attempts++;
            if (failed && attempts == 2)
            {
                late = await LocalWebServer.StartAsync(app => app.MapPost("/search", () => Results.Content(TwoEntries, "application/json")), port);
            }
        });
        var registry = new ToolRegistry();
        using var client = MemoryTools.Register(registry, ToolsOptions.Default with { MemoryServerUrl = $"http://127.0.0.1:{port}" }, handler)!;
        var clock = Stopwatch.StartNew();

        try
        {
            var result = await registry.Call("memory_search", """{"query":"kafka"}""");

            Assert.False(result.IsError);
            Assert.StartsWith("**Memory #1**", result.Text, StringComparison.Ordinal);
            Assert.Equal(3, attempts);
            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.45), TimeSpan.FromSeconds(10));
        }
        finally
        {
            if (late is not null)
            {
                await late.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task An_unreachable_server_fails_after_four_attempts()
    {
        var port = Sympozium.Testing.TestPorts.GetFreeTcpPort();
        var registry = new ToolRegistry();
        var options = ToolsOptions.Default with
        {
            MemoryServerUrl = $"http://127.0.0.1:{port}",
            MemoryRetryBackoff = [TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10)],
        };
        using var client = MemoryTools.Register(registry, options)!;

        var result = await registry.Call("memory_list", "{}");

        Assert.True(result.IsError);
        Assert.StartsWith($"Memory server error after 4 attempts: could not connect to 127.0.0.1:{port}", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Auto_context_searches_with_the_first_200_bytes_of_the_task_and_top_3()
    {
        var (_, client) = Register();
        using var _ = client;
        var task = new string('é', 150); // 300 bytes: the query keeps 100 characters

        var context = await client.SearchContextAsync(task, CancellationToken.None);

        Assert.StartsWith("**Memory #1**", context, StringComparison.Ordinal);
        var body = (JsonObject)JsonNode.Parse(Assert.Single(_server.Requests).Body)!;
        Assert.Equal(new string('é', 100), (string?)body["query"]);
        Assert.Equal(3, (int?)body["top_k"]);
    }

    [Fact]
    public async Task Auto_context_is_cut_to_2000_characters_at_an_entry_boundary()
    {
        var entries = Enumerable.Range(1, 10).Select(i => new JsonObject { ["id"] = i, ["content"] = new string('c', 400) });
        _searchAnswer = new JsonObject { ["success"] = true, ["content"] = new JsonArray([.. entries]) }.ToJsonString();
        var (_, client) = Register();
        using var _ = client;

        var context = await client.SearchContextAsync("task", CancellationToken.None);

        Assert.NotNull(context);
        Assert.InRange(context.Length, 1, 2000);
        Assert.EndsWith(new string('c', 400) + "\n", context, StringComparison.Ordinal);
        Assert.Equal(4, context.Split("\n---\n").Length);
    }

    [Fact]
    public async Task Auto_context_is_null_when_nothing_is_found_or_the_server_is_down()
    {
        _searchAnswer = """{"success":true,"content":[]}""";
        var (_, client) = Register();
        using var _ = client;
        using var down = new MemoryClient($"http://127.0.0.1:{Sympozium.Testing.TestPorts.GetFreeTcpPort()}", ToolsOptions.Default);

        Assert.Null(await client.SearchContextAsync("task", CancellationToken.None));
        Assert.Null(await down.SearchContextAsync("task", CancellationToken.None));
    }

    [Fact]
    public async Task Auto_store_saves_task_and_response_with_the_auto_tags()
    {
        var (_, client) = Register();
        using var _ = client;

        var stored = await client.StoreRunAsync("list pods", "3 pods running", CancellationToken.None);

        Assert.True(stored);
        Assert.Equal("""{"content":"Task: list pods\n\nResponse: 3 pods running","tags":["auto","agent-run"]}""", Assert.Single(_server.Requests).Body);
    }

    [Fact]
    public async Task Auto_store_cuts_a_long_task_and_response_and_marks_the_cuts()
    {
        var (_, client) = Register();
        using var _ = client;

        await client.StoreRunAsync(new string('t', 600), new string('r', 1000), CancellationToken.None);

        var content = (string?)JsonNode.Parse(Assert.Single(_server.Requests).Body)!["content"];
        Assert.Equal($"Task: {new string('t', 500)}...\n\nResponse: {new string('r', 1000)}", content);
    }

    /// <summary>Tells the test about each attempt (and whether it failed) before passing the failure on.</summary>
    private sealed class CallbackHandler(Func<HttpRequestMessage, bool, Task> onAttempt) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            try
            {
                var response = await base.SendAsync(request, cancellationToken);
                await onAttempt(request, false);
                return response;
            }
            catch (HttpRequestException)
            {
                await onAttempt(request, true);
                throw;
            }
        }
    }
}
