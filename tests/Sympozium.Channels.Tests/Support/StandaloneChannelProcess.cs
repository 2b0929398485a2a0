using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using Xunit.Abstractions;

namespace Sympozium.Channels.Tests;

/// <summary>
/// A channel executable this test project does not reference yet (channel-discord,
/// channel-whatsapp) as a child process. Its build is found through the
/// <c>Channel&lt;Name&gt;Assembly</c> metadata when the project file embeds it, else beside the
/// Telegram build (same configuration and runtime), so build the channel first:
/// <c>dotnet build components/Sympozium.Channel.&lt;Name&gt; -c Release</c>.
/// </summary>
internal sealed class StandaloneChannelProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ITestOutputHelper _output;
    private readonly string _name;
    private readonly ConcurrentQueue<string> _lines = new();

    private StandaloneChannelProcess(Process process, string name, ITestOutputHelper output)
    {
        _process = process;
        _name = name;
        _output = output;
    }

    /// <summary>stdout and stderr so far.</summary>
    public string Log => string.Join('\n', _lines);

    /// <summary>The apphost of a channel: <c>Discord</c> or <c>WhatsApp</c>.</summary>
    public static string Executable(string channel)
    {
        var metadata = typeof(StandaloneChannelProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().ToList();
        var assembly = metadata.FirstOrDefault(a => a.Key == "Channel" + channel + "Assembly")?.Value;
        if (string.IsNullOrEmpty(assembly))
        {
            var telegram = metadata.Single(a => a.Key == "ChannelTelegramAssembly").Value!;
            assembly = telegram
                .Replace("Sympozium.Channel.Telegram", "Sympozium.Channel." + channel, StringComparison.Ordinal)
                .Replace("channel-telegram", "channel-" + channel.ToLowerInvariant(), StringComparison.Ordinal);
        }

        var executable = Path.Combine(Path.GetDirectoryName(assembly)!, Path.GetFileNameWithoutExtension(assembly));
        return File.Exists(executable)
            ? executable
            : throw new FileNotFoundException($"{executable} is not built: run dotnet build components/Sympozium.Channel.{channel} with this configuration first.", executable);
    }

    public static StandaloneChannelProcess Start(string channel, IReadOnlyDictionary<string, string?> environment, ITestOutputHelper output)
    {
        var start = new ProcessStartInfo(Executable(channel))
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("DISCORD_", StringComparison.Ordinal) || k.StartsWith("WHATSAPP_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start };
        var channelProcess = new StandaloneChannelProcess(process, "channel-" + channel.ToLowerInvariant(), output);
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
