using System.Text.Json.Nodes;

namespace Sympozium.LocalCluster.Tests;

/// <summary>Raw watch streams: order from a resourceVersion, bookmarks, 410 Gone, selector transitions.</summary>
public sealed class WatchTests(LocalClusterFixture cluster) : IClassFixture<LocalClusterFixture>
{
    private const string ConfigMaps = "api/v1/namespaces/default/configmaps";
    private readonly HttpClient _http = cluster.Http;

    [Fact]
    public async Task Watch_from_a_resourceVersion_sees_added_modified_deleted_in_order()
    {
        var (_, list) = await _http.GetJsonAsync(ConfigMaps);
        var from = list["metadata"]!["resourceVersion"]!.GetValue<string>();

        var (_, created) = await _http.PostAsync(ConfigMaps, Api.ConfigMap("w-order", labels: new JsonObject { ["watch"] = "order" }));
        created["data"]!["k"] = "changed";
        await _http.PutAsync($"{ConfigMaps}/w-order", created);
        await _http.SendAsync(HttpMethod.Delete, $"{ConfigMaps}/w-order");

        await using var watch = await WatchStream.OpenAsync(_http, $"{ConfigMaps}?watch=true&labelSelector=watch%3Dorder&resourceVersion={from}");
        var events = new[] { await watch.NextAsync(), await watch.NextAsync(), await watch.NextAsync() };

        Assert.Equal(["ADDED", "MODIFIED", "DELETED"], events.Select(e => e["type"]!.GetValue<string>()).ToArray());
        Assert.Equal("changed", events[1]["object"]!["data"]!["k"]!.GetValue<string>());
        Assert.Equal("ConfigMap", events[0]["object"]!["kind"]!.GetValue<string>());
        var versions = events.Select(e => long.Parse(Api.Rv(e["object"]!.AsObject()))).ToArray();
        Assert.True(versions[0] < versions[1] && versions[1] < versions[2]);
    }

    [Fact]
    public async Task Watch_without_a_resourceVersion_starts_with_ADDED_for_existing_objects_then_goes_live()
    {
        await _http.PostAsync(ConfigMaps, Api.ConfigMap("w-live-1", labels: new JsonObject { ["watch"] = "live" }));
        await using var watch = await WatchStream.OpenAsync(_http, $"{ConfigMaps}?watch=1&labelSelector=watch%3Dlive");
        var initial = await watch.NextAsync();
        Assert.Equal("ADDED", initial["type"]!.GetValue<string>());
        Assert.Equal("w-live-1", initial["object"]!["metadata"]!["name"]!.GetValue<string>());

        await _http.PostAsync(ConfigMaps, Api.ConfigMap("w-live-2", labels: new JsonObject { ["watch"] = "live" }));
        var live = await watch.NextAsync();
        Assert.Equal("w-live-2", live["object"]!["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Watch_with_bookmarks_sends_BOOKMARK_events_carrying_the_latest_resourceVersion()
    {
        var (_, created) = await _http.PostAsync(ConfigMaps, Api.ConfigMap("w-bookmark", labels: new JsonObject { ["watch"] = "bm" }));
        await using var watch = await WatchStream.OpenAsync(_http, $"{ConfigMaps}?watch=true&allowWatchBookmarks=true&labelSelector=watch%3Dbm&resourceVersion={Api.Rv(created)}");

        var bookmark = await watch.NextAsync();

        Assert.Equal("BOOKMARK", bookmark["type"]!.GetValue<string>());
        Assert.Equal("ConfigMap", bookmark["object"]!["kind"]!.GetValue<string>());
        Assert.True(long.Parse(Api.Rv(bookmark["object"]!.AsObject())) >= long.Parse(Api.Rv(created)));
    }

    [Fact]
    public async Task A_selector_watch_sees_an_object_leaving_the_selection_as_DELETED()
    {
        var (_, created) = await _http.PostAsync(ConfigMaps, Api.ConfigMap("w-leave", labels: new JsonObject { ["watch"] = "leave" }));
        await using var watch = await WatchStream.OpenAsync(_http, $"{ConfigMaps}?watch=true&labelSelector=watch%3Dleave&resourceVersion={Api.Rv(created)}");
        await _http.SendAsync(HttpMethod.Patch, $"{ConfigMaps}/w-leave",
            new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["watch"] = "elsewhere" } } }, "application/merge-patch+json");

        Assert.Equal("DELETED", (await watch.NextAsync())["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Watch_from_a_version_older_than_the_window_gets_410_Expired()
    {
        var directory = LocalClusterFixture.NewDirectory();
        await using (var server = await LocalClusterFixture.StartAsync(directory, o => o with { WatchWindow = 5 }))
        {
            await AssertTooOldAsync(server);
        }

        LocalClusterFixture.TryDelete(directory);
    }

    private static async Task AssertTooOldAsync(LocalClusterServer server)
    {
        using var http = LocalClusterFixture.CreateHttpClient(server);
        var (_, first) = await http.PostAsync(ConfigMaps, Api.ConfigMap("old-0"));
        for (var i = 1; i <= 10; i++)
        {
            await http.PostAsync(ConfigMaps, Api.ConfigMap($"old-{i}"));
        }

        await using var watch = await WatchStream.OpenAsync(http, $"{ConfigMaps}?watch=true&resourceVersion={Api.Rv(first)}");
        var error = await watch.NextAsync();

        Assert.Equal("ERROR", error["type"]!.GetValue<string>());
        Assert.Equal("Status", error["object"]!["kind"]!.GetValue<string>());
        Assert.Equal(410, error["object"]!["code"]!.GetValue<int>());
        Assert.Equal("Expired", error["object"]!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task SendInitialEvents_ends_the_initial_list_with_the_initial_events_end_bookmark()
    {
        await _http.PostAsync(ConfigMaps, Api.ConfigMap("w-initial", labels: new JsonObject { ["watch"] = "initial" }));
        await using var watch = await WatchStream.OpenAsync(_http,
            $"{ConfigMaps}?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&labelSelector=watch%3Dinitial");

        Assert.Equal("ADDED", (await watch.NextAsync())["type"]!.GetValue<string>());
        var end = await watch.NextAsync();
        Assert.Equal("BOOKMARK", end["type"]!.GetValue<string>());
        Assert.Equal("true", end["object"]!["metadata"]!["annotations"]!["k8s.io/initial-events-end"]!.GetValue<string>());
    }
}

/// <summary>Reads a watch response line by line.</summary>
internal sealed class WatchStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(15));

    private WatchStream(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    public static async Task<WatchStream> OpenAsync(HttpClient http, string path)
    {
        var response = await http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        return new WatchStream(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    public async Task<JsonObject> NextAsync()
    {
        var line = await _reader.ReadLineAsync(_timeout.Token) ?? throw new EndOfStreamException("the watch ended");
        return JsonNode.Parse(line)!.AsObject();
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        _timeout.Dispose();
        return ValueTask.CompletedTask;
    }
}
