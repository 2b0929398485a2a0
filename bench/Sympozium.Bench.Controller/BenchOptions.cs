using System.Globalization;

namespace Sympozium.Bench.Controller;

/// <summary>What to run and how much; by default 500 runs at once against the AOT binary.</summary>
internal sealed record BenchOptions
{
    public const string Usage =
        "usage: Sympozium.Bench.Controller [--runs 500] [--concurrency 16] [--controller PATH | --jit [PATH]]\n" +
        "                                  [--workers 2] [--idle 5] [--timeout 900] [--log FILE]\n" +
        "  --controller PATH  the controller executable (default: artifacts/bin/Sympozium.Controller/controller, the AOT binary)\n" +
        "  --jit [PATH]       run `dotnet PATH` instead (default PATH: components/Sympozium.Controller/bin/Release/net10.0/linux-x64/controller.dll)\n" +
        "  --workers N        CONTROLLER_WORKERS, reconcile workers per kind (default: 2, the controller's own default)\n" +
        "  --idle S           seconds the ready controller is left idle before its idle RSS is read (default: 5)\n" +
        "  --timeout S        give up when the runs have not all finished after S seconds (default: 900)\n" +
        "  --log FILE         the controller's stdout and stderr (default: a file in the temp directory, kept)";

    public const string DefaultAotBinary = "artifacts/bin/Sympozium.Controller/controller";
    public const string DefaultJitAssembly = "components/Sympozium.Controller/bin/Release/net10.0/linux-x64/controller.dll";

    /// <summary>AgentRuns created at once (default: 500).</summary>
    public int Runs { get; init; } = 500;

    /// <summary>Create requests in flight (default: 16).</summary>
    public int Concurrency { get; init; } = 16;

    /// <summary>The controller executable, or the controller.dll when <see cref="Jit"/> (default: the AOT binary under the repository root).</summary>
    public string? Controller { get; init; }

    /// <summary>Run the JIT build through `dotnet` (default: false).</summary>
    public bool Jit { get; init; }

    /// <summary>CONTROLLER_WORKERS (default: 2, as the controller defaults it).</summary>
    public int Workers { get; init; } = 2;

    /// <summary>How long the ready controller idles before the idle RSS is read (default: 5 s).</summary>
    public TimeSpan Idle { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Limit for the whole load phase (default: 900 s).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(900);

    /// <summary>Where the controller's output goes (default: null, a temp file).</summary>
    public string? Log { get; init; }

    /// <summary>The controller path resolved against <paramref name="repositoryRoot"/>.</summary>
    public string ControllerPath(string repositoryRoot) =>
        Path.GetFullPath(Controller ?? Path.Combine(repositoryRoot, Jit ? DefaultJitAssembly : DefaultAotBinary));

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name == "--jit")
            {
                // An optional path follows unless the next argument is another option.
                options = i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)
                    ? options with { Jit = true, Controller = args[++i] }
                    : options with { Jit = true };
                continue;
            }

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
                "--runs" => options with { Runs = Count() },
                "--concurrency" => options with { Concurrency = Count() },
                "--controller" => options with { Controller = value },
                "--workers" => options with { Workers = Count() },
                "--idle" => options with { Idle = TimeSpan.FromSeconds(Count()) },
                "--timeout" => options with { Timeout = TimeSpan.FromSeconds(Count()) },
                "--log" => options with { Log = Path.GetFullPath(value) },
                _ => throw new ArgumentException($"unknown argument '{name}'\n{Usage}"),
            };
        }

        return options;
    }
}
