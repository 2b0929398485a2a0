using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using Xunit.Abstractions;

namespace Sympozium.IpcBridge.Tests;

/// <summary>
/// The real ipc-bridge as a child process (the JIT build next to this project's build; the AOT
/// binary behaves the same and is measured by scripts/bench-data-plane-bus.sh).
/// </summary>
internal sealed class BridgeProcess : IAsyncDisposable
{
    private static readonly string[] InheritedVariablesToDrop =
    [
        "AGENT_RUN_ID", "INSTANCE_NAME", "AGENT_NAMESPACE", "GATE_SUPPRESS_COMPLETION", "SYMPOZIUM_ROOT",
        "EVENT_BUS_URL", "EVENT_BUS_CONNECT_TIMEOUT", "NATS_TOKEN", "NATS_USER", "NATS_PASSWORD",
    ];

    private readonly Process _process;
    private readonly ITestOutputHelper _output;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private BridgeProcess(Process process, ITestOutputHelper output)
    {
        _process = process;
        _output = output;
    }

    /// <summary>The bridge executable (apphost) built beside the tests.</summary>
    public static string Executable
    {
        get
        {
            var assembly = typeof(BridgeProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .Single(a => a.Key == "IpcBridgeAssembly").Value!;
            return Path.Combine(Path.GetDirectoryName(assembly)!, Path.GetFileNameWithoutExtension(assembly));
        }
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>stdout and stderr so far.</summary>
    public string Log => string.Join('\n', _lines);

    public static BridgeProcess Start(IReadOnlyDictionary<string, string?> environment, ITestOutputHelper output)
    {
        var start = new ProcessStartInfo(Executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var name in InheritedVariablesToDrop)
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var bridge = new BridgeProcess(process, output);
        process.OutputDataReceived += (_, e) => bridge.Append(e.Data);
        process.ErrorDataReceived += (_, e) => bridge.Append(e.Data);
        process.Exited += (_, _) => bridge._exited.TrySetResult();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return bridge;
    }

    public async Task WaitForLogAsync(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!_lines.Any(line => line.Contains(text, StringComparison.Ordinal)))
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"The bridge did not log '{text}' within {timeout.TotalSeconds:0} s. Log:\n{Log}");
            }

            if (_process.HasExited)
            {
                await Task.Delay(200); // Let the last lines arrive.
                if (_lines.Any(line => line.Contains(text, StringComparison.Ordinal)))
                {
                    return;
                }

                throw new InvalidOperationException($"The bridge exited ({_process.ExitCode}) without logging '{text}'. Log:\n{Log}");
            }

            await Task.Delay(20);
        }
    }

    public Task WaitUntilReadyAsync() => WaitForLogAsync("ipc-bridge ready", TimeSpan.FromSeconds(30));

    /// <summary>Waits for the process to exit and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _exited.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The bridge did not exit within {timeout.TotalSeconds:0} s. Log:\n{Log}");
        }

        await _process.WaitForExitAsync(); // Drains stdout and stderr.
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: the bridge gets no chance to clean up, as when a container is OOM-killed.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as the kubelet stops a container.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        try
        {
            _output.WriteLine("--- ipc-bridge log ---\n" + Log);
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
        }
    }
}
