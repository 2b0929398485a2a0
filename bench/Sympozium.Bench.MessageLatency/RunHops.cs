using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Sympozium.Api.Kinds;
using Sympozium.Kubernetes.Client;

namespace Sympozium.Bench.MessageLatency;

/// <summary>
/// Every hop of an AgentRun, first seen on the benchmark's clock through watches on AgentRuns,
/// Jobs and pods of one namespace (the API server's timestamps have whole seconds only): run
/// created (POST sent) → admitted (the API server answered, after both admission webhooks) → Job created → pod created → ipc-bridge started (the native sidecar's startup) →
/// agent process running → LLM request received (by the scripted LLM) → agent exited → pod
/// finished → Job complete → run Succeeded. Channel runs add the reply (MessageTimeline).
/// </summary>
public sealed class RunHops(KubernetesConnection connection, string ns) : IAsyncDisposable
{
    private static readonly string[] Order =
    [
        "created", "admitted", "job_created", "pod_created", "bridge_started", "agent_running", "llm_request",
        "agent_exited", "pod_finished", "job_complete", "run_succeeded",
    ];

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, long>> _seen = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _watches = [];

    /// <summary>The hops' times are Stopwatch timestamps (monotonic, sub-microsecond).</summary>
    public static long Now() => Stopwatch.GetTimestamp();

    public async Task StartAsync()
    {
        foreach (var resource in new[] { ApiResource.For(KnownKinds.AgentRun), ApiResource.Jobs, ApiResource.Pods })
        {
            var client = new ResourceClient<JsonObject>(connection, resource, ResourceSerializer.Json());
            var version = (await client.ListAsync(ns).ConfigureAwait(false)).ResourceVersion;
            _watches.Add(Task.Run(() => WatchAsync(client, resource.Plural, version)));
        }
    }

    /// <summary>Records a hop of <paramref name="run"/> seen outside the watches (creation, the LLM request).</summary>
    public void Mark(string run, string hop, long timestamp) => _seen.GetOrAdd(run, _ => new(StringComparer.Ordinal)).TryAdd(hop, timestamp);

    public bool Has(string run, string hop) => _seen.TryGetValue(run, out var hops) && hops.ContainsKey(hop);

    /// <summary>Milliseconds between consecutive hops and from creation to each hop, per run; null where a hop was not seen.</summary>
    public IEnumerable<(string Name, double? Ms)> Steps(string run)
    {
        var hops = _seen.GetValueOrDefault(run) ?? new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        for (var i = 1; i < Order.Length; i++)
        {
            yield return ($"{Order[i - 1]}_to_{Order[i]}", Ms(hops, Order[i - 1], Order[i]));
        }

        yield return ("created_to_agent_running", Ms(hops, "created", "agent_running"));
        yield return ("created_to_llm_request", Ms(hops, "created", "llm_request"));
        yield return ("created_to_run_succeeded", Ms(hops, "created", "run_succeeded"));
    }

    private static double? Ms(ConcurrentDictionary<string, long> hops, string from, string to) =>
        hops.TryGetValue(from, out var f) && hops.TryGetValue(to, out var t) ? Stopwatch.GetElapsedTime(f, t).TotalMilliseconds : null;

    private async Task WatchAsync(ResourceClient<JsonObject> client, string plural, string version)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await foreach (var e in client.WatchAsync(ns, version, cancellationToken: _stop.Token).ConfigureAwait(false))
                {
                    version = e.ResourceVersion ?? version;
                    if (e.Object is { } obj && e.Type is "ADDED" or "MODIFIED")
                    {
                        Observe(plural, obj, Now());
                    }
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private void Observe(string plural, JsonObject obj, long now)
    {
        switch (plural)
        {
            case "agentruns":
                if (obj["metadata"]?["name"]?.ToString() is { } name && obj["status"]?["phase"]?.ToString() == "Succeeded")
                {
                    Mark(name, "run_succeeded", now);
                }

                break;
            case "jobs":
                if (RunOf(obj) is { } jobRun)
                {
                    Mark(jobRun, "job_created", now);
                    if ((obj["status"]?["conditions"] as JsonArray ?? []).Any(c => c?["type"]?.ToString() == "Complete" && c["status"]?.ToString() == "True"))
                    {
                        Mark(jobRun, "job_complete", now);
                    }
                }

                break;
            case "pods":
                if (RunOf(obj) is not { } podRun)
                {
                    break;
                }

                Mark(podRun, "pod_created", now);
                var status = obj["status"];
                if (Container(status?["initContainerStatuses"], "ipc-bridge")?["started"]?.GetValue<bool>() == true)
                {
                    Mark(podRun, "bridge_started", now);
                }

                var agent = Container(status?["containerStatuses"], "agent");
                if (agent?["state"]?["running"] is not null || agent?["state"]?["terminated"] is not null)
                {
                    Mark(podRun, "agent_running", now);
                }

                if (agent?["state"]?["terminated"] is not null)
                {
                    Mark(podRun, "agent_exited", now);
                }

                if (status?["phase"]?.ToString() is "Succeeded" or "Failed")
                {
                    Mark(podRun, "pod_finished", now);
                }

                break;
        }
    }

    private static string? RunOf(JsonObject obj) => obj["metadata"]?["labels"]?[Sympozium.Api.WellKnown.Labels.AgentRun]?.ToString();

    private static JsonNode? Container(JsonNode? statuses, string name) =>
        (statuses as JsonArray ?? []).FirstOrDefault(s => s?["name"]?.ToString() == name);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_watches).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
