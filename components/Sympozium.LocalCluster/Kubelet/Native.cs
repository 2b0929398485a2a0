using System.Runtime.InteropServices;

namespace Sympozium.LocalCluster.Kubelet;

/// <summary>The libc calls the kubelet needs: signals to process groups.</summary>
internal static partial class Native
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int KillNative(int pid, int signal);

    /// <summary>Signals a process group (the container's session); falls back to the process when the group is not formed yet.</summary>
    public static void SignalGroup(int pgid, int signal)
    {
        if (pgid <= 1)
        {
            return;
        }

        if (KillNative(-pgid, signal) != 0)
        {
            _ = KillNative(pgid, signal);
        }
    }

    /// <summary>True when a process (or zombie) with this pid exists.</summary>
    public static bool Exists(int pid) => pid > 1 && (KillNative(pid, 0) == 0 || Marshal.GetLastPInvokeError() == 1 /* EPERM */);

    /// <summary>Field 22 of /proc/PID/stat (start time in clock ticks since boot): with the pid it names one process instance.</summary>
    public static long? StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[19], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}

/// <summary>
/// Every process group the kubelet started, recorded in DIR/kubelet/process-groups (pgid and
/// start time per line). The kubelet kills them at stop; a kubelet that starts after a crash of
/// its server kills those left behind (orphans) before running anything — the start time makes
/// sure a recycled pid is never hit.
/// </summary>
internal sealed class ProcessTracker
{
    private readonly Lock _gate = new();
    private readonly Dictionary<int, long> _groups = [];
    private readonly string _file;

    public ProcessTracker(string directory)
    {
        Directory.CreateDirectory(directory);
        _file = Path.Combine(directory, "process-groups");
    }

    /// <summary>Kills the process groups a previous run left (after a crash); returns how many were alive.</summary>
    public int ReapOrphans()
    {
        var killed = 0;
        if (File.Exists(_file))
        {
            foreach (var line in File.ReadAllLines(_file))
            {
                var parts = line.Split(' ');
                if (parts.Length == 2 && int.TryParse(parts[0], out var pgid) && long.TryParse(parts[1], out var start)
                    && Native.StartTime(pgid) == start)
                {
                    Native.SignalGroup(pgid, Native.SigKill);
                    killed++;
                }
            }
        }

        lock (_gate)
        {
            Save();
        }

        return killed;
    }

    public void Add(int pgid)
    {
        lock (_gate)
        {
            if (Native.StartTime(pgid) is { } start)
            {
                _groups[pgid] = start;
                Save();
            }
        }
    }

    public void Remove(int pgid)
    {
        lock (_gate)
        {
            if (_groups.Remove(pgid))
            {
                Save();
            }
        }
    }

    private void Save()
    {
        var temp = _file + ".tmp";
        File.WriteAllLines(temp, _groups.Select(g => $"{g.Key} {g.Value}"));
        File.Move(temp, _file, overwrite: true);
    }
}
