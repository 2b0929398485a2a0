using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using Xunit.Abstractions;

namespace Sympozium.Channels.Tests;

/// <summary>
/// A real channel executable (channel-telegram, -slack, -discord, -whatsapp) as a child process: the JIT build
/// beside this project's build; the AOT binary behaves the same.
/// </summary>
internal sealed class ChannelProcess : IAsyncDisposable
{
    private static readonly string[] InheritedVariablesToDrop =
    [
        "INSTANCE_NAME", "POD_NAMESPACE", "POD_IP", "HEALTH_PORT", "EVENT_BUS_URL", "EVENT_BUS_CONNECT_TIMEOUT",
        "NATS_TOKEN", "NATS_USER", "NATS_PASSWORD", "OUTBOUND_RETRY_SCHEDULE", "OUTBOUND_ACK_WAIT",
        "TELEGRAM_BOT_TOKEN", "TELEGRAM_API_URL", "TELEGRAM_ALLOWED_CHAT_IDS", "TELEGRAM_POLL_TIMEOUT",
        "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL", "SLACK_EVENTS_PORT",
        "DISCORD_BOT_TOKEN", "DISCORD_API_URL", "DISCORD_ALLOWED_CHANNEL_IDS",
        "WHATSAPP_ACCESS_TOKEN", "WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_VERIFY_TOKEN", "WHATSAPP_APP_SECRET", "WHATSAPP_API_URL", "WHATSAPP_WEBHOOK_PORT",
    ];

    private readonly Process _process;
    private readonly ITestOutputHelper _output;
    private readonly string _name;
    private readonly ConcurrentQueue<string> _lines = new();

    private ChannelProcess(Process process, string name, ITestOutputHelper output)
    {
        _process = process;
        _name = name;
        _output = output;
    }

    /// <summary>stdout and stderr so far.</summary>
    public string Log => string.Join('\n', _lines);

    public bool HasExited => _process.HasExited;

    /// <summary>The apphost of a channel built beside the tests: <c>Telegram</c>, <c>Slack</c>, <c>Discord</c> or <c>WhatsApp</c>.</summary>
    public static string Executable(string channel)
    {
        var key = "Channel" + channel + "Assembly";
        var assembly = typeof(ChannelProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == key).Value!;
        return Path.Combine(Path.GetDirectoryName(assembly)!, Path.GetFileNameWithoutExtension(assembly));
    }

    public static ChannelProcess Start(string channel, IReadOnlyDictionary<string, string?> environment, ITestOutputHelper output)
    {
        var start = new ProcessStartInfo(Executable(channel))
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

        var process = new Process { StartInfo = start };
        var channelProcess = new ChannelProcess(process, "channel-" + channel.ToLowerInvariant(), output);
        process.OutputDataReceived += (_, e) => channelProcess.Append(e.Data);
        process.ErrorDataReceived += (_, e) => channelProcess.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return channelProcess;
    }

    public async Task WaitForLogAsync(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!_lines.Any(line => line.Contains(text, StringComparison.Ordinal)))
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"{_name} did not log '{text}' within {timeout.TotalSeconds:0} s. Log:\n{Log}");
            }

            if (_process.HasExited)
            {
                await Task.Delay(200);
                if (_lines.Any(line => line.Contains(text, StringComparison.Ordinal)))
                {
                    return;
                }

                throw new InvalidOperationException($"{_name} exited ({_process.ExitCode}) without logging '{text}'. Log:\n{Log}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Bus connected and the outbound consumer exists.</summary>
    public Task WaitUntilReadyAsync() => WaitForLogAsync(_name + " ready", TimeSpan.FromSeconds(30));

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{_name} did not exit within {timeout.TotalSeconds:0} s. Log:\n{Log}");
        }

        return _process.ExitCode;
    }

    /// <summary>SIGTERM, as the kubelet stops a container.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>SIGKILL, as a crash or an evicted node ends it: nothing is acked or cleaned up.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
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
            _output.WriteLine($"--- {_name} log ---\n" + Log);
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
