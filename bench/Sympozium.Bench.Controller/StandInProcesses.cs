namespace Sympozium.Bench.Controller;

/// <summary>Live stand-in container processes (and their children, such as the ipc-bridge's sleep), found by the cluster's marker in /proc/*/environ.</summary>
internal static class StandInProcesses
{
    public static int Count(string marker)
    {
        var needle = "SYMPOZIUM_BENCH_RUN=" + marker + "\0";
        var count = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                // A zombie has exited already; its parent has just not reaped it yet.
                if (File.ReadAllText(Path.Combine(dir, "stat")).Contains(") Z ", StringComparison.Ordinal))
                {
                    continue;
                }

                if (File.ReadAllText(Path.Combine(dir, "environ")).Contains(needle, StringComparison.Ordinal))
                {
                    count++;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or another user's process.
            }
        }

        return count;
    }

    /// <summary>Counts until none is left or <paramref name="grace"/> has passed (a killed process may linger a moment); returns the last count.</summary>
    public static async Task<int> LeftAfterAsync(string marker, TimeSpan grace)
    {
        var deadline = DateTime.UtcNow + grace;
        int left;
        while ((left = Count(marker)) > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100).ConfigureAwait(false);
        }

        return left;
    }
}
