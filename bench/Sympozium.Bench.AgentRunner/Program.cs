using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Sympozium.Testing.Llm;

// usage: Sympozium.Bench.AgentRunner <runs> <label>=<command> [<label>=<command> ...]
// A command is an executable path, or "dotnet <dll>" for a JIT build. Each run starts the
// command with a fresh SYMPOZIUM_ROOT against the scripted server and measures:
//   start → first LLM request (cold start), VmRSS while the (delayed) reply is pending (idle),
//   and the peak RSS of the whole run from /usr/bin/time (%M).
if (args.Length < 2 || !int.TryParse(args[0], CultureInfo.InvariantCulture, out var runs))
{
    Console.Error.WriteLine("usage: Sympozium.Bench.AgentRunner <runs> <label>=<command> ...");
    return 2;
}

var targets = args.Skip(1).Select(a => a.Split('=', 2)).Select(p => (Label: p[0], Command: p[1].Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToList();
await using var llm = await ScriptedLlmServer.StartAsync();
llm.Fallback = LlmReply.Say("benchmark answer") with { Delay = TimeSpan.FromMilliseconds(400) };
var results = new Dictionary<string, (List<double> StartMs, List<double> IdleKb, List<double> PeakKb, List<double> TotalMs)>();

foreach (var (label, command) in targets)
{
    var figures = (StartMs: new List<double>(), IdleKb: new List<double>(), PeakKb: new List<double>(), TotalMs: new List<double>());
    for (var i = 0; i < runs + 1; i++)
    {
        var warmup = i == 0;
        var root = Directory.CreateTempSubdirectory("bench-runner-").FullName;
        try
        {
            var before = llm.Requests.Count;
            var info = new ProcessStartInfo("/usr/bin/time") { RedirectStandardError = true, RedirectStandardOutput = true };
            info.ArgumentList.Add("-f");
            info.ArgumentList.Add("peak-kb=%M");
            foreach (var part in command)
            {
                info.ArgumentList.Add(part);
            }

            info.Environment["SYMPOZIUM_ROOT"] = root;
            info.Environment["TASK"] = "benchmark task";
            info.Environment["MODEL_PROVIDER"] = "openai";
            info.Environment["MODEL_BASE_URL"] = llm.OpenAiBaseUrl;
            info.Environment["LLM_MAX_RETRIES"] = "0";
            var started = Stopwatch.GetTimestamp();
            using var process = Process.Start(info)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            await llm.WaitForRequestsAsync(before + 1, TimeSpan.FromSeconds(30));
            var firstRequestMs = Stopwatch.GetElapsedTime(started, llm.Requests[before].ReceivedTimestamp).TotalMilliseconds;
            await Task.Delay(150);
            var idleKb = ChildRss(process.Id);
            await process.WaitForExitAsync();
            var totalMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var peak = Regex.Match(await stderr, @"peak-kb=(\d+)");
            await stdout;
            if (process.ExitCode != 0 || !peak.Success)
            {
                Console.Error.WriteLine($"{label}: run failed (exit {process.ExitCode}): {await stderr}");
                return 1;
            }

            if (!warmup)
            {
                figures.StartMs.Add(firstRequestMs);
                figures.IdleKb.Add(idleKb);
                figures.PeakKb.Add(double.Parse(peak.Groups[1].Value, CultureInfo.InvariantCulture));
                figures.TotalMs.Add(totalMs);
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    results[label] = figures;
}

Console.WriteLine($"agent-runner benchmark: {runs} runs per build (after one warm-up), scripted LLM answering after 400 ms");
Console.WriteLine($"{"build",-8} {"start→first LLM request (median ms)",36} {"idle RSS (MiB)",16} {"peak RSS (MiB)",16} {"run total (median ms)",22}");
foreach (var (label, f) in results)
{
    Console.WriteLine($"{label,-8} {Median(f.StartMs),36:0.0} {Median(f.IdleKb) / 1024,16:0.0} {Median(f.PeakKb) / 1024,16:0.0} {Median(f.TotalMs),22:0}");
}

if (results.Count == 2)
{
    var (a, b) = (results.Values.First(), results.Values.Last());
    var (la, lb) = (results.Keys.First(), results.Keys.Last());
    Console.WriteLine($"ratios {lb}/{la}: start {Median(b.StartMs) / Median(a.StartMs):0.0}x, idle RSS {Median(b.IdleKb) / Median(a.IdleKb):0.0}x, peak RSS {Median(b.PeakKb) / Median(a.PeakKb):0.0}x");
}

return 0;

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
}

// /usr/bin/time is the direct child; the measured program is its child.
static double ChildRss(int timePid)
{
    var children = File.ReadAllText($"/proc/{timePid}/task/{timePid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
    var pid = children.Length > 0 ? children[0] : timePid.ToString(CultureInfo.InvariantCulture);
    var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
    return double.Parse(Regex.Match(line, @"\d+").Value, CultureInfo.InvariantCulture);
}
