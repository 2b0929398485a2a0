using System.Text.Json.Nodes;

namespace Sympozium.LocalCluster.Tests;

/// <summary>Helpers for the controller tests: polling, pod status simulation (no kubelet needed), object builders.</summary>
internal static class ControllerTestKit
{
    /// <summary>A nodeSelector no node matches, so that no kubelet ever runs the test's pods.</summary>
    public static JsonObject Unschedulable => new() { ["sympozium.test/no-such-node"] = "true" };

    public static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, string what, double seconds = 10)
        where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(50);
        }
    }

    public static Task EventuallyAsync(Func<Task<bool>> probe, string what, double seconds = 10) =>
        EventuallyAsync<object>(async () => await probe() ? new object() : null, what, seconds);

    public static async Task<List<JsonObject>> PodsAsync(this HttpClient http, string ns, string labelSelector)
    {
        var (_, list) = await http.GetJsonAsync($"api/v1/namespaces/{ns}/pods?labelSelector={Uri.EscapeDataString(labelSelector)}");
        return list["items"]!.AsArray().Select(p => p!.AsObject()).ToList();
    }

    /// <summary>Writes a pod's status through the status subresource, as a kubelet would.</summary>
    public static async Task SetPodStatusAsync(this HttpClient http, JsonObject pod, string phase, bool ready = false, string? ip = null)
    {
        var ns = pod["metadata"]!["namespace"]!.GetValue<string>();
        var name = pod["metadata"]!["name"]!.GetValue<string>();
        var (_, current) = await http.GetJsonAsync($"api/v1/namespaces/{ns}/pods/{name}");
        var status = new JsonObject
        {
            ["phase"] = phase,
            ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False" }),
        };
        if (ip is not null)
        {
            status["podIP"] = ip;
        }

        current["status"] = status;
        var (code, body) = await http.PutAsync($"api/v1/namespaces/{ns}/pods/{name}/status", current);
        Assert.True(code == 200, body.ToJsonString());
    }

    public static string Name(JsonObject obj) => obj["metadata"]!["name"]!.GetValue<string>();

    public static string Uid(JsonObject obj) => obj["metadata"]!["uid"]!.GetValue<string>();

    public static JsonObject? Condition(JsonObject obj, string type) =>
        (obj["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(c => c["type"]!.GetValue<string>() == type);

    public static JsonObject PodTemplate(JsonObject labels, JsonObject? nodeSelector = null, string image = "busybox") => new()
    {
        ["metadata"] = new JsonObject { ["labels"] = labels },
        ["spec"] = new JsonObject
        {
            ["restartPolicy"] = "Never",
            ["nodeSelector"] = nodeSelector ?? Unschedulable,
            ["containers"] = new JsonArray(new JsonObject
            {
                ["name"] = "main",
                ["image"] = image,
                ["command"] = new JsonArray("sh", "-c", "sleep 3600"),
                ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["containerPort"] = 8080 }),
            }),
        },
    };

    public static async Task<int> DeleteAsync(this HttpClient http, string path, string? propagationPolicy = null)
    {
        JsonObject? options = propagationPolicy is null ? null : new JsonObject
        {
            ["kind"] = "DeleteOptions",
            ["apiVersion"] = "v1",
            ["propagationPolicy"] = propagationPolicy,
        };
        var (code, _) = await http.SendAsync(HttpMethod.Delete, path, options);
        return code;
    }

    public static async Task<bool> GoneAsync(this HttpClient http, string path)
    {
        var (code, _) = await http.GetJsonAsync(path);
        return code == 404;
    }
}

/// <summary>
/// A local cluster without the kubelet (<see cref="LocalClusterOptions.RunKubelet"/> false): the
/// controller tests play the kubelet by writing pod status themselves.
/// </summary>
public sealed class NoKubeletClusterFixture : IAsyncLifetime
{
    private LocalClusterServer? _server;

    public LocalClusterServer Server => _server ?? throw new InvalidOperationException("The fixture has not been initialized.");

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _server = await LocalClusterFixture.StartAsync(LocalClusterFixture.NewDirectory(), o => o with { RunKubelet = false });
        Http = LocalClusterFixture.CreateHttpClient(_server);
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
            LocalClusterFixture.TryDelete(_server.Options.Directory);
        }
    }
}
