using System.ComponentModel;
using System.Diagnostics;

namespace Sympozium.LocalCluster.Kubelet;

/// <summary>
/// One container instance: a host process started through <c>setsid</c> so that it leads its
/// own session and process group (its children die with it), stdout and stderr written
/// line by line to the container's log. When the main process exits, whatever it left in its
/// group is killed, as a container's cgroup would be.
/// </summary>
internal sealed class ContainerProcess : IDisposable
{
    private static readonly string? SetsidPath = FindOnPath("setsid");
    private readonly Process _process;
    private readonly Task _pumps;
    private readonly ProcessTracker _tracker;
    private readonly Task<int> _exit;

    private ContainerProcess(Process process, ContainerLogWriter? log, ProcessTracker tracker)
    {
        _process = process;
        _tracker = tracker;
        Pid = process.Id;
        tracker.Add(Pid);
        _pumps = Task.WhenAll(
            PumpAsync(process.StandardOutput, log, "stdout"),
            PumpAsync(process.StandardError, log, "stderr"));
        _exit = WaitAsync();
    }

    public int Pid { get; }

    /// <summary>Completes with the exit code (128 + signal when killed) once the process ended and its output is written.</summary>
    public Task<int> Exited => _exit;

    /// <summary>Starts <paramref name="argv"/>; throws <see cref="ContainerStartException"/> when it cannot run.</summary>
    public static ContainerProcess Start(IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> env, string workingDirectory, ContainerLogWriter? log, ProcessTracker tracker)
    {
        var executable = argv[0];
        if (!IsExecutable(executable))
        {
            throw new ContainerStartException($"exec: \"{executable}\": executable file not found or not executable");
        }

        if (!Directory.Exists(workingDirectory))
        {
            throw new ContainerStartException($"chdir to cwd (\"{workingDirectory}\") set in config.json failed: no such file or directory");
        }

        var info = new ProcessStartInfo(SetsidPath ?? executable)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        if (SetsidPath is not null)
        {
            info.ArgumentList.Add("--wait");
        }

        foreach (var arg in SetsidPath is null ? argv.Skip(1) : argv)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Clear();
        foreach (var (key, value) in env)
        {
            info.Environment[key] = value;
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new ContainerStartException($"could not start {executable}");
        }
        catch (Win32Exception e)
        {
            throw new ContainerStartException($"exec: \"{executable}\": {e.Message}", e);
        }

        process.StandardInput.Close(); // no stdin, as a container without stdin: true
        return new ContainerProcess(process, log, tracker);
    }

    /// <summary>Sends a signal to the whole process group.</summary>
    public void Signal(int signal) => Native.SignalGroup(Pid, signal);

    /// <summary>SIGTERM, then SIGKILL after <paramref name="grace"/>; completes when the process is gone.</summary>
    public async Task<int> TerminateAsync(TimeSpan grace)
    {
        if (!_exit.IsCompleted)
        {
            Signal(Native.SigTerm);
            if (grace > TimeSpan.Zero)
            {
                await Task.WhenAny(_exit, Task.Delay(grace)).ConfigureAwait(false);
            }

            Signal(Native.SigKill);
        }

        return await _exit.ConfigureAwait(false);
    }

    private async Task<int> WaitAsync()
    {
        await _process.WaitForExitAsync().ConfigureAwait(false);
        var code = _process.ExitCode;
        Signal(Native.SigKill); // what the container's main process left behind
        await Task.WhenAny(_pumps, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
        _tracker.Remove(Pid);
        return code;
    }

    private static async Task PumpAsync(StreamReader reader, ContainerLogWriter? log, string stream)
    {
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                log?.Write(stream, line);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
        }
    }

    internal static bool IsExecutable(string path)
    {
        try
        {
            if (OperatingSystem.IsWindows())
            {
                return File.Exists(path);
            }

            return File.Exists(path) && (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    internal static string? FindOnPath(string name, string? path = null) =>
        (path ?? Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(IsExecutable);

    public void Dispose() => _process.Dispose();
}

/// <summary>The container's command cannot run (StartError, exit code 128).</summary>
internal sealed class ContainerStartException : Exception
{
    public ContainerStartException()
    {
    }

    public ContainerStartException(string message)
        : base(message)
    {
    }

    public ContainerStartException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
