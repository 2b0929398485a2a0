using System.Diagnostics;
using System.Globalization;
using Sympozium.Api.WellKnown;
using Sympozium.Testing;
using Sympozium.Testing.Probes;

namespace Sympozium.Bench.DataPlaneBus;

/// <summary>One measured run of an ipc-bridge binary against its own nats-server and /ipc.</summary>
internal sealed record BridgeRun(double ReadyMs, long IdleRssKb, long PeakRssKb, double RelayMs)
{
    /// <summary>
    /// Starts the bridge, times process start → "ipc-bridge ready", reads VmRSS after it has idled,
    /// relays <paramref name="files"/> message files and reads VmHWM, then lets it exit via /ipc/done.
    /// </summary>
    public static async Task<BridgeRun> MeasureAsync(string binary, int files, TimeSpan idle)
    {
        await using var nats = await NatsServer.StartAsync();
        var root = Directory.CreateTempSubdirectory("sympozium-bench-").FullName;
        try
        {
            var start = new ProcessStartInfo(binary)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            // The variables the controller sets on the ipc-bridge container (all required).
            var runUid = Guid.NewGuid().ToString();
            start.Environment["AGENT_RUN_ID"] = "bench-" + runUid[..8];
            start.Environment["AGENT_RUN_UID"] = runUid;
            start.Environment["AGENT_NAMESPACE"] = "bench";
            start.Environment["INSTANCE_NAME"] = "bench";
            start.Environment["EVENT_BUS_URL"] = nats.Url;
            start.Environment["SYMPOZIUM_ROOT"] = root;

            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data?.Contains("ipc-bridge ready", StringComparison.Ordinal) == true)
                {
                    ready.TrySetResult();
                }
            };
            process.ErrorDataReceived += (_, _) => { };

            var clock = Stopwatch.StartNew();
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
            var readyMs = clock.Elapsed.TotalMilliseconds;

            await Task.Delay(idle);
            var idleRss = ReadStatusKb(process.Id, "VmRSS");

            await using var probe = await JetStreamProbe.ConnectAsync(nats.Url);
            var messages = Path.Combine(root, "ipc", "messages");
            var relay = Stopwatch.StartNew();
            for (var i = 0; i < files; i++)
            {
                var path = Path.Combine(messages, $"send-{i:D5}.json");
                File.WriteAllText(path + ".tmp", $$"""{"channel":"telegram","chatId":"42","text":"message {{i}} {{new string('x', 200)}}"}""");
                File.Move(path + ".tmp", path);
            }

            await probe.WaitForCountAsync(NatsSubjects.FromRun("bench", runUid, NatsSubjects.ChannelMessageSend), files, TimeSpan.FromMinutes(5));
            var relayMs = relay.Elapsed.TotalMilliseconds;
            var peakRss = ReadStatusKb(process.Id, "VmHWM");

            await File.WriteAllTextAsync(Path.Combine(root, "ipc", "done"), "done");
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{binary} exited {process.ExitCode}");
            }

            return new BridgeRun(readyMs, idleRss, peakRss, relayMs);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static long ReadStatusKb(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidOperationException($"/proc/{pid}/status has no {field}");
    }
}
