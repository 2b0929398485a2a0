using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Sympozium.Api.Kinds;
using Sympozium.Bench.Controller;

// usage: Sympozium.Bench.Controller [--runs 500] [--concurrency 16] [--controller PATH | --jit [PATH]]
//                                   [--workers 2] [--idle 5] [--timeout 900] [--log FILE]
// Figures on stdout as "metric: value unit"; progress on stderr. Exit 1 when a run failed, the runs
// did not all finish in time, the controller exited, or a stand-in process was left behind.
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

const string Ns = "default";
const string InstanceName = "bench";
var root = RepositoryRoot();
var controllerPath = options.ControllerPath(root);
if (!File.Exists(controllerPath))
{
    Console.Error.WriteLine(options.Jit
        ? $"error: {controllerPath} does not exist; build it with `dotnet build components/Sympozium.Controller -c Release` (scripts/bench-controller.sh does)"
        : $"error: {controllerPath} does not exist; publish it with `aot-profiles/publish-all.sh --only Sympozium.Controller` (scripts/bench-controller.sh does)");
    return 2;
}

var logPath = options.Log ?? Path.Combine(Path.GetTempPath(), $"sympozium-bench-controller-{(options.Jit ? "jit" : "aot")}-{DateTime.UtcNow:yyyyMMddTHHmmss}.log");
var names = Enumerable.Range(1, options.Runs).Select(i => $"bench-run-{i:D4}").ToList();

Report.Line("machine", $"{Environment.ProcessorCount} cores, {CpuModel()}, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, load average {LoadAverage()} at start");
Report.Line("controller", $"{(options.Jit ? "JIT: dotnet " : "Native AOT: ")}{controllerPath}");
Report.Line("parameters", $"{options.Runs} AgentRuns of one instance created at once by {options.Concurrency} concurrent clients, CONTROLLER_WORKERS={options.Workers}, " +
    $"LEADER_ELECT=false, MAX_RUN_HISTORY={options.Runs + 100}, no event bus, stand-in agent (task succeed:...) and ipc-bridge scripts");
Report.Line("cluster", "in-process: the API server, Job controller and kubelet share the benchmark's process and its cores; the kubelet runs every pod's containers (agent + ipc-bridge sh loop) as real processes");
Report.Line("controller log", logPath);
if (!options.Jit)
{
    var bytes = new FileInfo(controllerPath).Length;
    Report.Line("aot binary size", string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes ({bytes / 1024.0 / 1024.0:0.0} MiB)"));
}

Report.Progress("starting the local cluster in-process");
await using var cluster = await BenchCluster.StartAsync();
Report.Figure("cluster start to serving", cluster.StartTime.TotalMilliseconds, "ms", "0");

await cluster.Instances.CreateAsync(Ns, new SympoziumInstance
{
    Metadata = { Name = InstanceName, Namespace = Ns },
    Spec = { Agents = { Default = { Model = "gpt-4o" } } },
});

Report.Progress("starting the controller");
var environment = new Dictionary<string, string>(StringComparer.Ordinal)
{
    ["KUBECONFIG"] = cluster.KubeconfigPath,
    ["POD_NAMESPACE"] = Ns,
    ["LEADER_ELECT"] = "false",
    ["CONTROLLER_WORKERS"] = options.Workers.ToString(CultureInfo.InvariantCulture),
    ["MAX_RUN_HISTORY"] = (options.Runs + 100).ToString(CultureInfo.InvariantCulture), // never prune a run of this benchmark
    ["HEALTH_PORT"] = "0", // no listener on a fixed port that another process may hold
    ["Logging__LogLevel__Default"] = "Information",
};
var controllerStarted = Stopwatch.GetTimestamp();
var controller = ControllerProcess.Start(controllerPath, options.Jit, environment, logPath);
var exitCode = 0;
try
{
    // Ready: the instance reconciler has recorded its Ready condition, so informers have synced and
    // reconcilers are working.
    while (true)
    {
        var instance = await cluster.Instances.GetAsync(Ns, InstanceName);
        if (instance?.Status?.Conditions?.Any(c => c is { Type: "Ready", Status: "True" }) == true)
        {
            break;
        }

        if (controller.HasExited || Stopwatch.GetElapsedTime(controllerStarted) > TimeSpan.FromSeconds(60))
        {
            Console.Error.WriteLine($"error: the controller {(controller.HasExited ? "exited" : "did not reconcile the instance within 60 s")}; its output:\n{controller.Tail(40)}");
            return 1;
        }

        await Task.Delay(50);
    }

    var ready = controller.Sample() ?? throw new InvalidOperationException("the controller is gone");
    Report.Figure("controller start to ready (instance reconciled)", Stopwatch.GetElapsedTime(controllerStarted).TotalMilliseconds, "ms", "0");
    Report.Figure("controller cpu time to ready", ready.CpuTime.TotalMilliseconds, "ms", "0");

    Report.Progress($"controller ready; idle for {options.Idle.TotalSeconds:0} s");
    await Task.Delay(options.Idle);
    var idle = controller.Sample() ?? throw new InvalidOperationException("the controller is gone");
    Report.Figure($"controller rss idle ({options.Idle.TotalSeconds:0} s after ready)", idle.RssMiB, "MiB");
    Report.Figure($"controller cpu time while idle ({options.Idle.TotalSeconds:0} s)", (idle.CpuTime - ready.CpuTime).TotalMilliseconds, "ms", "0");

    await using var tracker = await RunTracker.StartAsync(cluster, Ns, names);
    controller.ResetPeak();
    var benchBefore = ProcessSample.Self();

    Report.Progress($"creating {options.Runs} AgentRuns, {options.Concurrency} in flight");
    var t0 = Stopwatch.GetTimestamp();
    await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency }, async (name, cancellationToken) =>
        await cluster.Runs.CreateAsync(Ns, Run(name), cancellationToken).ConfigureAwait(false));
    var created = Stopwatch.GetElapsedTime(t0);
    Report.Progress($"{options.Runs} AgentRuns created in {created.TotalSeconds:0.0} s; waiting for Jobs and Succeeded");

    // Progress every 5 s until every run finished, the time is up or the controller is gone.
    var maxStandIns = 0;
    var finished = tracker.AllFinished;
    while (!finished.IsCompleted)
    {
        var tick = Task.Delay(TimeSpan.FromSeconds(5));
        await Task.WhenAny(finished, tick);
        if (finished.IsCompleted)
        {
            break;
        }

        var standIns = StandInProcesses.Count(cluster.Marker);
        maxStandIns = Math.Max(maxStandIns, standIns);
        var now = controller.Sample();
        Report.Progress($"  jobs {tracker.JobCount}/{options.Runs}, pods started {tracker.PodsStartedCount}, succeeded {tracker.SucceededCount}, failed {tracker.Failed.Count}; " +
            $"stand-in processes {standIns}; controller rss {now?.RssMiB ?? 0:0.0} MiB, cpu {now?.CpuTime.TotalSeconds ?? 0:0.0} s; load {LoadAverage()}");
        if (controller.HasExited)
        {
            Console.Error.WriteLine($"error: the controller exited during the load; its output:\n{controller.Tail(40)}");
            exitCode = 1;
            break;
        }

        if (Stopwatch.GetElapsedTime(t0) > options.Timeout)
        {
            Console.Error.WriteLine($"error: after {options.Timeout.TotalSeconds:0} s only {tracker.SucceededCount + tracker.Failed.Count} of {options.Runs} runs finished");
            exitCode = 1;
            break;
        }
    }

    var loaded = controller.Sample();
    var benchAfter = ProcessSample.Self();
    double Since(long timestamp) => Stopwatch.GetElapsedTime(t0, timestamp).TotalSeconds;

    Report.Figure($"time to create {options.Runs} AgentRuns", created.TotalSeconds, "s", "0.00");
    if (tracker.FirstJob is { } firstJob)
    {
        Report.Figure("time until the first Job exists", Since(firstJob), "s", "0.00");
    }

    Report.Line($"time until all {options.Runs} Jobs exist", tracker.AllJobs.IsCompletedSuccessfully
        ? $"{Since(tracker.AllJobs.Result).ToString("0.00", CultureInfo.InvariantCulture)} s"
        : $"not reached ({tracker.JobCount} Jobs)");
    Report.Line($"time until the last pod started (kubelet)", tracker.LastPodStarted is { } lastPod
        ? $"{Since(lastPod).ToString("0.00", CultureInfo.InvariantCulture)} s ({tracker.PodsStartedCount} pods seen started)"
        : "no pod seen started");
    Report.Line($"time until all {options.Runs} runs finished", finished.IsCompletedSuccessfully
        ? $"{Since(finished.Result).ToString("0.00", CultureInfo.InvariantCulture)} s ({tracker.SucceededCount} Succeeded, {tracker.Failed.Count} Failed)"
        : $"not reached ({tracker.SucceededCount} Succeeded, {tracker.Failed.Count} Failed)");
    if (finished.IsCompletedSuccessfully && tracker.Failed.Count == 0)
    {
        Report.Figure("throughput, create to Succeeded", options.Runs / Since(finished.Result), "runs/s", "0.0");
    }

    Report.Line("watch streams resumed (benchmark side)", tracker.Resumes.ToString(CultureInfo.InvariantCulture));
    Report.Line("stand-in processes at most (5 s samples)", maxStandIns.ToString(CultureInfo.InvariantCulture));
    Report.Figure("controller rss peak during load (100 ms samples)", controller.MaxSampledRssKiB / 1024.0, "MiB");
    Report.Line("controller rss samples during load", controller.Samples.ToString(CultureInfo.InvariantCulture));
    if (loaded is not null)
    {
        Report.Figure("controller rss at the end of the load", loaded.RssMiB, "MiB");
        Report.Figure("controller cpu time during load", (loaded.CpuTime - idle.CpuTime).TotalSeconds, "s", "0.00");
        Report.Figure("controller cpu time per run", (loaded.CpuTime - idle.CpuTime).TotalMilliseconds / options.Runs, "ms", "0.00");
    }

    Report.Figure("benchmark process cpu time during load (API server + Job controller + kubelet + watches)", (benchAfter.CpuTime - benchBefore.CpuTime).TotalSeconds, "s", "0.00");
    Report.Line("load average at the end of the load", LoadAverage());

    if (tracker.Failed.Count > 0)
    {
        exitCode = 1;
        Console.WriteLine($"failed runs: {tracker.Failed.Count}");
        foreach (var group in tracker.Failed.GroupBy(f => f.Value, StringComparer.Ordinal).OrderByDescending(g => g.Count()))
        {
            Console.WriteLine($"  {group.Count()} x {group.Key} (e.g. {string.Join(", ", group.Select(f => f.Key).Order(StringComparer.Ordinal).Take(3))})");
        }
    }

    if (exitCode == 0)
    {
        Report.Progress($"load done; controller idle for {options.Idle.TotalSeconds:0} s");
        await Task.Delay(options.Idle);
        if (controller.Sample() is { } after)
        {
            Report.Figure($"controller rss after load ({options.Idle.TotalSeconds:0} s later)", after.RssMiB, "MiB");
            Report.Figure("controller rss high-water mark (VmHWM, whole life)", after.PeakRssMiB, "MiB");
            Report.Figure("controller cpu time, whole life", after.CpuTime.TotalSeconds, "s", "0.00");
        }
    }
}
finally
{
    await controller.DisposeAsync();
    var (problems, warnings, lines) = controller.ScanLog();
    Report.Line("controller log", $"{lines} lines, {warnings} warnings, {problems.Count} lines matching fail|error|exception (case-insensitive)");
    foreach (var line in problems.Take(10))
    {
        Console.Error.WriteLine($"  controller: {line}");
    }
}

var bench = ProcessSample.Self();
Report.Figure("benchmark process rss at the end (benchmark + in-process cluster)", bench.RssMiB, "MiB");
Report.Figure("benchmark process rss peak (benchmark + in-process cluster)", bench.PeakRssMiB, "MiB");

Report.Progress("stopping the cluster");
await cluster.DisposeAsync();
var left = await StandInProcesses.LeftAfterAsync(cluster.Marker, TimeSpan.FromSeconds(5));
Report.Line("stand-in processes left after cleanup", left.ToString(CultureInfo.InvariantCulture));
return left == 0 ? exitCode : 1;

static AgentRun Run(string name) => new()
{
    Metadata = { Name = name, Namespace = Ns },
    Spec =
    {
        InstanceRef = InstanceName,
        AgentId = "primary",
        SessionKey = "s-" + name,
        Task = "succeed:" + name,
        Model = { Provider = "openai", Model = "gpt-4o", AuthSecretRef = "" },
    },
};

// The directory holding Sympozium.sln, above this program's build output.
static string RepositoryRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Sympozium.sln")))
        {
            return dir.FullName;
        }
    }

    return Directory.GetCurrentDirectory();
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

static string CpuModel() =>
    File.Exists("/proc/cpuinfo")
        ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU"
        : "unknown CPU";
