using System.Globalization;

namespace Sympozium.Bench.LocalCluster;

/// <summary>What to measure and how much; every default sized for a 2-core machine (whole run well under 3 min).</summary>
internal sealed record BenchOptions
{
    public const string Usage =
        "usage: Sympozium.Bench.LocalCluster [--external KUBECONFIG] [--objects 1000] [--concurrency 8] [--gets 2000]\n" +
        "                                    [--watchers 20] [--updates 500] [--burst 1000] [--pods 20]";

    /// <summary>Kubeconfig of a running local cluster; null starts one in-process in a temp directory (default: null).</summary>
    public string? External { get; init; }

    /// <summary>ConfigMaps created per create run, and the set the GETs and updates touch (default: 1,000).</summary>
    public int Objects { get; init; } = 1000;

    /// <summary>Requests in flight in the concurrent create, GET and burst-update runs (default: 8).</summary>
    public int Concurrency { get; init; } = 8;

    /// <summary>Measured GETs, one in flight, after 200 warm-up GETs (default: 2,000).</summary>
    public int Gets { get; init; } = 2000;

    /// <summary>Concurrent watches on the ConfigMaps' namespace (default: 20).</summary>
    public int Watchers { get; init; } = 20;

    /// <summary>Updates sent one at a time, each awaited at every watcher: delivery latency of a quiet server (default: 500).</summary>
    public int Updates { get; init; } = 500;

    /// <summary>Updates sent by <see cref="Concurrency"/> clients without waiting: delivery latency and losses under load (default: 1,000).</summary>
    public int Burst { get; init; } = 1000;

    /// <summary>Pods started one at a time, then as many again all at once (default: 20).</summary>
    public int Pods { get; init; } = 20;

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"{name} needs a value\n{Usage}");
            }

            var value = args[++i];
            int Count() => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new ArgumentException($"{name} {value}: expected a positive whole number");
            options = name switch
            {
                "--external" => options with { External = Path.GetFullPath(value) },
                "--objects" => options with { Objects = Count() },
                "--concurrency" => options with { Concurrency = Count() },
                "--gets" => options with { Gets = Count() },
                "--watchers" => options with { Watchers = Count() },
                "--updates" => options with { Updates = Count() },
                "--burst" => options with { Burst = Count() },
                "--pods" => options with { Pods = Count() },
                _ => throw new ArgumentException($"unknown argument '{name}'\n{Usage}"),
            };
        }

        return options;
    }
}
