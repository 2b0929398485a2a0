using System.Globalization;
using System.Runtime.InteropServices;
using k8s.Models;
using Sympozium.Bench.LocalCluster;
using Sympozium.Kubernetes.Client;

// usage: Sympozium.Bench.LocalCluster [--external KUBECONFIG] [--objects 1000] [--concurrency 8] [--gets 2000]
//                                     [--watchers 20] [--updates 500] [--burst 1000] [--pods 20]
// Figures on stdout as "metric: value unit"; progress on stderr. Exit 1 when a watch event was
// lost or a deleted pod left a process behind.
if (args.Any(a => a is "-h" or "--help"))
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}

const int GetWarmup = 200;
const int WatchWarmup = 20;
var run = Guid.NewGuid().ToString("N")[..6];

Report.Line("machine", $"{Environment.ProcessorCount} cores, {CpuModel()}, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, load average {LoadAverage()} at start");
Report.Progress(options.External is null ? "starting the local cluster in-process" : $"using the cluster of {options.External}");
await using var cluster = await BenchCluster.StartAsync(options.External);
Report.Line("cluster", cluster.InProcess
    ? "in-process (API server, kubelet and this benchmark share one process and its cores)"
    : $"{cluster.Description}, a separate process");
Report.Line("transport", $"HTTPS, HTTP/{await cluster.ProtocolAsync()}, bearer token (Sympozium.Kubernetes ResourceClient)");
Report.Line("parameters", $"{options.Objects} ConfigMaps, {options.Concurrency} concurrent clients, {options.Gets} GETs, " +
    $"{options.Watchers} watchers, {options.Updates} paced + {options.Burst} burst updates, 1 + {options.Pods} + {options.Pods} pods");
if (cluster.InProcess)
{
    Report.Figure("cluster start to serving", cluster.StartTime.TotalMilliseconds, "ms", "0");
}

var configMaps = cluster.Client<V1ConfigMap>(ApiResource.ConfigMaps);
var ns = await cluster.CreateNamespaceAsync($"bench-{run}");

// Create throughput: one in flight into the namespace the later runs use; then concurrently into a
// second namespace, deleted again so that the later runs see exactly --objects ConfigMaps.
Report.Progress($"creating {options.Objects} ConfigMaps, one in flight");
Report.Figure("create throughput, sequential", await ObjectRun.CreateAsync(configMaps, ns, options.Objects, 1), "objects/s", "0");
var concurrentNs = await cluster.CreateNamespaceAsync($"bench-{run}-concurrent");
Report.Progress($"creating {options.Objects} ConfigMaps, {options.Concurrency} in flight");
Report.Figure($"create throughput, {options.Concurrency} concurrent", await ObjectRun.CreateAsync(configMaps, concurrentNs, options.Objects, options.Concurrency), "objects/s", "0");
Report.Figure($"namespace delete with {options.Objects} ConfigMaps", (await cluster.DeleteNamespaceAsync(concurrentNs)).TotalMilliseconds, "ms", "0");

Report.Progress($"{options.Gets} GETs (after {GetWarmup} warm-up), one in flight");
Report.Percentiles("get latency", await ObjectRun.GetLatencyAsync(configMaps, ns, options.Objects, options.Gets, GetWarmup));
Report.Figure($"get throughput, {options.Concurrency} concurrent", await ObjectRun.GetThroughputAsync(configMaps, ns, options.Objects, options.Gets, options.Concurrency), "requests/s", "0");

Report.Progress($"watch delivery: {options.Watchers} watchers on {options.Objects} ConfigMaps");
var watch = await WatchRun.MeasureAsync(configMaps, ns, options.Objects, options.Watchers, WatchWarmup, options.Updates, options.Burst, options.Concurrency);
Report.Percentiles("watch delivery latency, paced", watch.Paced);
Report.Figure("patch latency during it, p50", watch.PacedPatch.Percentile(50), "ms", "0.00");
Report.Figure("patch latency during it, p99", watch.PacedPatch.Percentile(99), "ms", "0.00");
Report.Percentiles("watch delivery latency, burst", watch.Burst);
Report.Figure("update rate, burst", watch.BurstUpdatesPerSecond, "updates/s", "0");
Report.Line("watch events lost", $"{watch.Lost} of {watch.Pairs} watcher x update pairs (incl. {WatchWarmup} warm-up updates)");
Report.Line("watch events duplicated", watch.Duplicates.ToString(CultureInfo.InvariantCulture));
Report.Line("watch events out of order", watch.OutOfOrder.ToString(CultureInfo.InvariantCulture));
Report.Line("watch streams resumed", watch.Resumed.ToString(CultureInfo.InvariantCulture));
Report.Line("watchers stopped by 410 Gone", watch.FailedWatchers.ToString(CultureInfo.InvariantCulture));

Report.Progress($"pod start: busybox pods, 1 + {options.Pods} one at a time, then {options.Pods} at once");
var pods = await PodStartRun.MeasureAsync(cluster.Client<V1Pod>(ApiResource.Pods), ns, options.Pods, options.Concurrency);
Report.Figure("pod start latency, first pod", pods.FirstPodMs, "ms", "0.0");
Report.Percentiles("pod start latency, one at a time", pods.OneAtATime);
Report.Percentiles($"pod start latency, {options.Pods} at once", pods.Batch);
Report.Line("pods with a live process while running", $"{pods.PodsWithProcess} of {pods.Pods}");
Report.Figure($"pod delete until gone, {pods.Pods} pods", pods.DeleteTime.TotalMilliseconds, "ms", "0");
Report.Line("processes left after pod deletion", pods.ProcessesLeft.ToString(CultureInfo.InvariantCulture));

var (rss, peak) = Memory();
var whose = cluster.InProcess ? "benchmark + in-process cluster" : "benchmark only";
Report.Figure($"rss ({whose})", rss / 1024.0, "MiB");
Report.Figure($"peak rss ({whose})", peak / 1024.0, "MiB");

return watch.Lost == 0 && pods.ProcessesLeft == 0 ? 0 : 1;

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

static string CpuModel() =>
    File.Exists("/proc/cpuinfo")
        ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"
        : "unknown CPU";

// VmRSS and VmHWM of this process, in KiB.
static (long Rss, long Peak) Memory()
{
    long Field(string name) => File.ReadLines("/proc/self/status").Where(l => l.StartsWith(name + ":", StringComparison.Ordinal))
        .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture)).FirstOrDefault();
    return (Field("VmRSS"), Field("VmHWM"));
}
