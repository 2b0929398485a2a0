using System.Diagnostics;
using System.Globalization;

namespace Sympozium.Bench.LocalCluster;

/// <summary>Figures as plain "metric: value unit" lines on stdout; progress on stderr.</summary>
internal static class Report
{
    private static readonly long Started = Stopwatch.GetTimestamp();

    public static void Line(string metric, string value) => Console.WriteLine($"{metric}: {value}");

    public static void Figure(string metric, double value, string unit, string format = "0.0") =>
        Line(metric, $"{value.ToString(format, CultureInfo.InvariantCulture)} {unit}");

    /// <summary>p50, p90, p99 and max of <paramref name="latencies"/>, one line each, in ms.</summary>
    public static void Percentiles(string metric, Latencies latencies)
    {
        foreach (var p in new[] { 50, 90, 99 })
        {
            Figure($"{metric} p{p}", latencies.Percentile(p), "ms", "0.00");
        }

        Figure($"{metric} max", latencies.Max, "ms", "0.00");
    }

    public static void Progress(string message) =>
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{Stopwatch.GetElapsedTime(Started).TotalSeconds,6:0.0}s] {message}"));
}
