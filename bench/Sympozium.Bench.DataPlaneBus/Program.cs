using System.Globalization;
using Sympozium.Bench.DataPlaneBus;

// usage: Sympozium.Bench.DataPlaneBus --aot PATH --jit PATH [--runs 5] [--files 1000] [--messages 2000]
var options = args.Select((value, index) => (value, index)).Where(p => p.value.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(p => p.value[2..], p => args.ElementAtOrDefault(p.index + 1) ?? "");
string Option(string name, string fallback) => options.TryGetValue(name, out var value) ? value : fallback;
var aot = Option("aot", "");
var jit = Option("jit", "");
var runs = int.Parse(Option("runs", "5"), CultureInfo.InvariantCulture);
var files = int.Parse(Option("files", "1000"), CultureInfo.InvariantCulture);
var messages = int.Parse(Option("messages", "2000"), CultureInfo.InvariantCulture);
var idle = TimeSpan.FromSeconds(2);
var c = CultureInfo.InvariantCulture;

if (aot.Length > 0 && jit.Length > 0)
{
    // Alternate AOT and JIT runs so machine load affects both alike.
    var measured = new Dictionary<string, List<BridgeRun>> { ["AOT"] = [], ["JIT"] = [] };
    for (var run = 0; run < runs; run++)
    {
        foreach (var (label, binary) in new[] { ("AOT", aot), ("JIT", jit) })
        {
            var result = await BridgeRun.MeasureAsync(binary, files, idle);
            measured[label].Add(result);
            Console.WriteLine(string.Create(c, $"run {run + 1} {label}: ready {result.ReadyMs:0.0} ms, idle RSS {result.IdleRssKb / 1024.0:0.0} MiB, peak RSS {result.PeakRssKb / 1024.0:0.0} MiB, {files} files relayed in {result.RelayMs:0} ms"));
        }
    }

    static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    var a = measured["AOT"];
    var j = measured["JIT"];
    var rows = new (string Name, double Aot, double Jit, string Unit)[]
    {
        ("cold start to ready (median)", Median(a.Select(r => r.ReadyMs)), Median(j.Select(r => r.ReadyMs)), "ms"),
        ("idle RSS, VmRSS (median)", Median(a.Select(r => r.IdleRssKb / 1024.0)), Median(j.Select(r => r.IdleRssKb / 1024.0)), "MiB"),
        ($"peak RSS relaying {files} files, VmHWM (median)", Median(a.Select(r => r.PeakRssKb / 1024.0)), Median(j.Select(r => r.PeakRssKb / 1024.0)), "MiB"),
        ($"relay {files} files (median)", Median(a.Select(r => r.RelayMs)), Median(j.Select(r => r.RelayMs)), "ms"),
    };
    Console.WriteLine();
    Console.WriteLine($"ipc-bridge, median of {runs} runs each|AOT|JIT|AOT/JIT");
    foreach (var (name, aotValue, jitValue, unit) in rows)
    {
        Console.WriteLine(string.Create(c, $"{name}|{aotValue:0.0} {unit}|{jitValue:0.0} {unit}|{aotValue / jitValue:0.00}"));
    }
}

if (messages > 0)
{
    var latencies = await LatencyRun.MeasureAsync(messages, warmup: 200);
    double Percentile(double p) => latencies[Math.Clamp((int)Math.Ceiling(p / 100 * latencies.Length) - 1, 0, latencies.Length - 1)];
    Console.WriteLine();
    Console.WriteLine(string.Create(c, $"EventBus publish->consume latency, {latencies.Length} messages (after 200 warm-up), one in flight, JetStream file store on loopback:"));
    Console.WriteLine("p50|p90|p99|max");
    Console.WriteLine(string.Create(c, $"{Percentile(50):0.000} ms|{Percentile(90):0.000} ms|{Percentile(99):0.000} ms|{latencies[^1]:0.000} ms"));
}
