using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Sympozium.Bench.Controller;

/// <summary>
/// The controller under test as a separate process, configured through its environment as the
/// Deployment configures it, with its stdout and stderr in a file. While <see cref="Sampling"/> it
/// reads its RSS every 100 ms and keeps the highest value.
/// </summary>
internal sealed partial class ControllerProcess : IAsyncDisposable
{
    private static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(100);

    private readonly Process _process;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private long _maxRssKiB;
    private int _samples;

    private ControllerProcess(Process process, string logPath)
    {
        _process = process;
        LogPath = logPath;
        _sampling = Task.Run(SampleAsync);
    }

    public int Id => _process.Id;

    public string LogPath { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Highest VmRSS seen by the 100 ms sampler since <see cref="ResetPeak"/>, in KiB.</summary>
    public long MaxSampledRssKiB => Interlocked.Read(ref _maxRssKiB);

    /// <summary>Readings taken since <see cref="ResetPeak"/>.</summary>
    public int Samples => Volatile.Read(ref _samples);

    /// <summary>
    /// Starts <paramref name="path"/> (or `dotnet <paramref name="path"/>` when <paramref name="jit"/>).
    /// The output goes to <paramref name="logPath"/> through the shell's redirection, so the
    /// process id is the controller's own (sh execs it) and this process does no log I/O.
    /// </summary>
    public static ControllerProcess Start(string path, bool jit, IReadOnlyDictionary<string, string> environment, string logPath)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        foreach (var argument in (string[])["-c", "log=$1; shift; exec \"$@\" >\"$log\" 2>&1", "sh", logPath])
        {
            start.ArgumentList.Add(argument);
        }

        if (jit)
        {
            start.ArgumentList.Add("dotnet");
        }

        start.ArgumentList.Add(path);

        // Nothing from the benchmark's own environment that the controller reads may leak in.
        foreach (var name in (string[])["NATS_URL", "EVENT_BUS_URL", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT"])
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {path}");
        return new ControllerProcess(process, logPath);
    }

    public ProcessSample? Sample() => ProcessSample.Read(_process.Id);

    /// <summary>Starts a new peak window for <see cref="MaxSampledRssKiB"/>.</summary>
    public void ResetPeak()
    {
        Interlocked.Exchange(ref _maxRssKiB, 0);
        Volatile.Write(ref _samples, 0);
    }

    /// <summary>The last <paramref name="lines"/> lines of the controller's output.</summary>
    public string Tail(int lines) =>
        File.Exists(LogPath) ? string.Join('\n', File.ReadLines(LogPath).TakeLast(lines)) : "(no output)";

    /// <summary>Lines of the controller's output that speak of a failure, an error or an exception (case-insensitive), and warnings.</summary>
    public (List<string> Problems, int Warnings, int Lines) ScanLog()
    {
        var problems = new List<string>();
        var warnings = 0;
        var lines = 0;
        if (File.Exists(LogPath))
        {
            foreach (var line in File.ReadLines(LogPath))
            {
                lines++;
                if (ProblemPattern().IsMatch(line))
                {
                    problems.Add(line);
                }

                if (line.Contains("warn:", StringComparison.Ordinal))
                {
                    warnings++;
                }
            }
        }

        return (problems, warnings, lines);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _sampling.ConfigureAwait(false);
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync().ConfigureAwait(false);
        _process.Dispose();
        _stop.Dispose();
    }

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(SampleInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                if (ProcessSample.Read(_process.Id) is not { } sample)
                {
                    return;
                }

                Interlocked.Increment(ref _samples);
                long seen;
                while (sample.RssKiB > (seen = Interlocked.Read(ref _maxRssKiB)) && Interlocked.CompareExchange(ref _maxRssKiB, sample.RssKiB, seen) != seen)
                {
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [GeneratedRegex("fail|error|exception", RegexOptions.IgnoreCase)]
    private static partial Regex ProblemPattern();
}
