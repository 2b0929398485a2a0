using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;

namespace Sympozium.Testing;

/// <summary>
/// A real <c>nats-server</c> for tests: bound to 127.0.0.1 on free ports, JetStream on, with a
/// temporary store directory of its own. It can be stopped and started again on the same port
/// and store, to test what happens when NATS restarts mid-stream.
/// </summary>
/// <remarks>
/// Lifecycle methods are not thread-safe: one test drives one server. Disposing stops the
/// process (SIGTERM, then SIGKILL after <see cref="NatsServerOptions.StopTimeout"/>) and deletes
/// the store directory.
/// </remarks>
public sealed partial class NatsServer : IAsyncDisposable
{
    /// <summary>The command that installs the server on the Debian machines this project uses.</summary>
    public const string InstallCommand = "apt-get install -y nats-server";

    private const string Loopback = "127.0.0.1";
    private const int SigTerm = 15;
    private const int NoSuchProcess = 3; // ESRCH
    private const int MaxLogLines = 300;
    private const int StartAttempts = 3;

    private static readonly string[] FallbackDirectories = ["/usr/sbin", "/usr/local/sbin", "/usr/local/bin", "/usr/bin"];
    private static readonly HttpClient Monitor = new() { Timeout = TimeSpan.FromSeconds(2) };
    private static readonly ConcurrentDictionary<NatsServer, bool> Live = new();

    private readonly NatsServerOptions _options;
    private readonly string _executable;
    private readonly ConcurrentQueue<string> _log = new();
    private Process? _process;
    private int _launches;
    private bool _disposed;

    static NatsServer()
    {
        // Safety net for a test run that ends without disposing its servers: never leave a
        // nats-server behind on the machine.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var server in Live.Keys)
            {
                server.KillNow();
            }
        };
    }

    private NatsServer(NatsServerOptions options, string executable, string? storeDirectory)
    {
        _options = options;
        _executable = executable;
        StoreDirectory = storeDirectory;
    }

    /// <summary>Client port on 127.0.0.1; stays the same across <see cref="RestartAsync"/>.</summary>
    public int Port { get; private set; }

    /// <summary>HTTP monitoring port on 127.0.0.1 (<c>/healthz</c>, <c>/varz</c>, <c>/jsz</c>).</summary>
    public int MonitorPort { get; private set; }

    /// <summary>The URL clients connect to, <c>nats://127.0.0.1:PORT</c>.</summary>
    public string Url => "nats://" + Loopback + ":" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Base address of the monitoring endpoints.</summary>
    public Uri MonitorUri => new("http://" + Loopback + ":" + MonitorPort.ToString(CultureInfo.InvariantCulture) + "/");

    /// <summary>The JetStream store directory (<c>-sd</c>), or null when JetStream is off.</summary>
    public string? StoreDirectory { get; }

    /// <summary>Process id of the running server, or null while it is stopped.</summary>
    public int? ProcessId { get; private set; }

    /// <summary>Whether the server process is running.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The last lines nats-server logged, across restarts (for failure messages).</summary>
    public string RecentLog => string.Join('\n', _log);

    /// <summary>Starts a server on free loopback ports and waits until it reports healthy.</summary>
    /// <exception cref="InvalidOperationException">nats-server is not installed, or exited while starting.</exception>
    /// <exception cref="TimeoutException">The server did not become healthy within <see cref="NatsServerOptions.StartTimeout"/>.</exception>
    public static async Task<NatsServer> StartAsync(NatsServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= NatsServerOptions.Default;
        var executable = FindExecutable(options.ExecutablePath);
        var store = options.JetStream ? Directory.CreateTempSubdirectory("sympozium-nats-").FullName : null;
        var server = new NatsServer(options, executable, store);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                // Another process may take a port between TestPorts' check and the server's bind.
                server.Port = TestPorts.GetFreeTcpPort();
                server.MonitorPort = TestPorts.GetFreeTcpPort();
                if (await server.LaunchAsync(cancellationToken).ConfigureAwait(false))
                {
                    return server;
                }

                if (attempt == StartAttempts)
                {
                    throw new InvalidOperationException(
                        $"nats-server could not bind free ports in {StartAttempts} attempts.\n{server.RecentLog}");
                }
            }
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops the server: SIGTERM, then SIGKILL if it has not exited in time. The store is kept.</summary>
    public Task StopAsync() => StopProcessAsync();

    /// <summary>Starts a stopped server again on the same ports and store directory.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsRunning)
        {
            throw new InvalidOperationException($"nats-server on {Url} is already running.");
        }

        if (!await LaunchAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException(
                $"nats-server could not start again on {Url}: another process took the port while it was stopped.\n{RecentLog}");
        }
    }

    /// <summary>Stops the server and starts it again on the same ports and store directory.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync().ConfigureAwait(false);
        await StartAgainAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>GETs a monitoring endpoint (<c>varz</c>, <c>jsz</c>, <c>connz</c>…) and returns its JSON.</summary>
    public Task<string> GetMonitorJsonAsync(string endpoint, CancellationToken cancellationToken = default) =>
        Monitor.GetStringAsync(new Uri(MonitorUri, endpoint), cancellationToken);

    /// <summary>Stops the server and deletes its store directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await StopProcessAsync().ConfigureAwait(false);
        DeleteStore();
    }

    /// <summary>Finds nats-server, or fails with the command that installs it.</summary>
    internal static string FindExecutable(string? configured)
    {
        configured ??= Environment.GetEnvironmentVariable("NATS_SERVER_BIN");
        if (!string.IsNullOrEmpty(configured))
        {
            return File.Exists(configured)
                ? configured
                : throw new InvalidOperationException(
                    $"nats-server was not found at '{configured}'. Install it with: {InstallCommand} (Debian, as root), or point NATS_SERVER_BIN at it.");
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(FallbackDirectories))
        {
            var candidate = Path.Combine(directory, "nats-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "nats-server was not found on PATH nor in " + string.Join(", ", FallbackDirectories) +
            $". Tests that use NATS run a real server. Install it with: {InstallCommand} (Debian, as root), or set NATS_SERVER_BIN to its path.");
    }

    private List<string> Arguments()
    {
        List<string> args =
        [
            // The default is 0.0.0.0; tests never listen beyond loopback. The monitor port
            // follows the same host.
            "-a", Loopback,
            "-p", Port.ToString(CultureInfo.InvariantCulture),
            "-m", MonitorPort.ToString(CultureInfo.InvariantCulture),
        ];
        if (_options.JetStream)
        {
            args.AddRange(["-js", "-sd", StoreDirectory!]);
        }

        args.AddRange(_options.ExtraArguments);
        return args;
    }

    /// <summary>Starts the process and waits for <c>/healthz</c>. False when a port was taken.</summary>
    private async Task<bool> LaunchAsync(CancellationToken cancellationToken)
    {
        var arguments = Arguments();
        var start = new ProcessStartInfo(_executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        _launches++;
        AppendLog($"[Sympozium.Testing] launch {_launches}: {_executable} {string.Join(' ', arguments)}");
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => AppendLog(e.Data);
        process.ErrorDataReceived += (_, e) => AppendLog(e.Data);
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            process.Dispose();
            throw new InvalidOperationException($"Could not run {_executable}: {e.Message}. Install nats-server with: {InstallCommand}", e);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        ProcessId = process.Id;
        Live[this] = true;

        try
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                if (process.HasExited)
                {
                    await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                    var exitCode = process.ExitCode;
                    ForgetProcess();
                    if (RecentLog.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
                    {
                        return false;
                    }

                    throw new InvalidOperationException(
                        $"nats-server exited with code {exitCode} before it became healthy.\n{RecentLog}");
                }

                if (await IsHealthyAsync(cancellationToken).ConfigureAwait(false))
                {
                    return true;
                }

                if (clock.Elapsed > _options.StartTimeout)
                {
                    throw new TimeoutException(
                        $"nats-server on {Url} did not report healthy on {MonitorUri}healthz within {_options.StartTimeout.TotalSeconds:0} s.\n{RecentLog}");
                }

                await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await StopProcessAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Monitor.GetAsync(new Uri(MonitorUri, "healthz"), cancellationToken).ConfigureAwait(false);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false; // the 2 s request timeout
        }
    }

    private async Task StopProcessAsync()
    {
        var process = _process;
        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                if (Kill(process.Id, SigTerm) != 0 && Marshal.GetLastPInvokeError() != NoSuchProcess)
                {
                    process.Kill();
                }

                using var timeout = new CancellationTokenSource(_options.StopTimeout);
                try
                {
                    await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    AppendLog($"[Sympozium.Testing] nats-server did not exit within {_options.StopTimeout.TotalSeconds:0} s of SIGTERM; killing it");
                    process.Kill();
                }
            }

            // Reaps the process and drains its output.
            await process.WaitForExitAsync().ConfigureAwait(false);
        }
        finally
        {
            ForgetProcess();
        }
    }

    private void ForgetProcess()
    {
        _process?.Dispose();
        _process = null;
        ProcessId = null;
        Live.TryRemove(this, out _);
    }

    private void KillNow()
    {
        try
        {
            _process?.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }

        DeleteStore();
    }

    private void DeleteStore()
    {
        if (StoreDirectory is null || !Directory.Exists(StoreDirectory))
        {
            return;
        }

        try
        {
            Directory.Delete(StoreDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still being closed by the exiting server: try once more.
            Thread.Sleep(100);
            Directory.Delete(StoreDirectory, recursive: true);
        }
    }

    private void AppendLog(string? line)
    {
        if (line is null)
        {
            return;
        }

        _log.Enqueue(line);
        while (_log.Count > MaxLogLines && _log.TryDequeue(out _))
        {
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
