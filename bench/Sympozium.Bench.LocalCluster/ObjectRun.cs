using System.Diagnostics;
using k8s.Models;
using Sympozium.Kubernetes.Client;

namespace Sympozium.Bench.LocalCluster;

/// <summary>ConfigMap create throughput and GET latency through <see cref="ResourceClient{T}"/>.</summary>
internal static class ObjectRun
{
    /// <summary>A small ConfigMap (about 300 bytes of JSON), like the ones our controllers write.</summary>
    public static V1ConfigMap ConfigMap(string name) => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "sympozium-bench" } },
        Data = new Dictionary<string, string> { ["config.yaml"] = "model: gpt-4o\nprovider: openai\nmaxTokens: 4096\n", ["note"] = new string('x', 64) },
    };

    public static string Name(int index) => $"cm-{index:D5}";

    /// <summary>Creates <c>cm-00000</c>… in <paramref name="ns"/>; returns objects per second.</summary>
    public static async Task<double> CreateAsync(ResourceClient<V1ConfigMap> client, string ns, int count, int concurrency)
    {
        var started = Stopwatch.GetTimestamp();
        var done = 0;
        await Concurrently.RunAsync(count, concurrency, async i =>
        {
            await client.CreateAsync(ns, ConfigMap(Name(i))).ConfigureAwait(false);
            if (Interlocked.Increment(ref done) % 250 == 0)
            {
                Report.Progress($"  {done}/{count} created");
            }
        }).ConfigureAwait(false);
        return count / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>GETs random objects of the set, one in flight, after <paramref name="warmup"/> unmeasured ones.</summary>
    public static async Task<Latencies> GetLatencyAsync(ResourceClient<V1ConfigMap> client, string ns, int objects, int count, int warmup)
    {
        var random = new Random(42);
        var latencies = new List<double>(count);
        for (var i = 0; i < warmup + count; i++)
        {
            var name = Name(random.Next(objects));
            var started = Stopwatch.GetTimestamp();
            _ = await client.GetAsync(ns, name).ConfigureAwait(false) ?? throw new InvalidOperationException($"ConfigMap {ns}/{name} is missing");
            if (i >= warmup)
            {
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }

        return Latencies.Of(latencies);
    }

    /// <summary>GETs per second with <paramref name="concurrency"/> in flight.</summary>
    public static async Task<double> GetThroughputAsync(ResourceClient<V1ConfigMap> client, string ns, int objects, int count, int concurrency)
    {
        var started = Stopwatch.GetTimestamp();
        await Concurrently.RunAsync(count, concurrency, i => client.GetAsync(ns, Name((int)((uint)(i * 7919) % (uint)objects)))).ConfigureAwait(false);
        return count / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }
}
