using System.Globalization;

namespace Sympozium.Bench.Controller;

/// <summary>
/// One reading of a process from /proc: resident set now (VmRSS) and its high-water mark (VmHWM),
/// in KiB, and CPU time consumed so far (utime + stime).
/// </summary>
internal sealed record ProcessSample(long RssKiB, long PeakRssKiB, TimeSpan CpuTime)
{
    // /proc reports times in USER_HZ ticks, which Linux fixes at 100 for user space on every
    // architecture (sysconf(_SC_CLK_TCK)), whatever the kernel's internal HZ.
    private const double TicksPerSecond = 100;

    /// <summary>Reads the process; null when it is gone.</summary>
    public static ProcessSample? Read(int pid)
    {
        try
        {
            long rss = 0, peak = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = KiB(line);
                }
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    peak = KiB(line);
                }
            }

            // Fields after the command name (which may hold spaces, so split after its closing paren):
            // state is field 3, utime field 14, stime field 15.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return new ProcessSample(rss, peak, TimeSpan.FromSeconds(ticks / TicksPerSecond));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>This process (the benchmark, and the cluster when it runs in-process).</summary>
    public static ProcessSample Self() => Read(Environment.ProcessId) ?? throw new InvalidOperationException("/proc/self is not readable");

    public double RssMiB => RssKiB / 1024.0;

    public double PeakRssMiB => PeakRssKiB / 1024.0;

    private static long KiB(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
