using System.Text;
using System.Text.Json.Nodes;

namespace Sympozium.LocalCluster.Kubelet;

/// <summary>
/// Termination messages as a kubelet keeps them: before each container instance starts, an empty
/// file at its <c>terminationMessagePath</c> (default <c>/dev/termination-log</c>) in the
/// container's root; when it exits, the file's first 4096 bytes (less when the pod has more than
/// three containers: 12 KiB are shared equally among them) become
/// <c>state.terminated.message</c>. With <c>terminationMessagePolicy: FallbackToLogsOnError</c>, an
/// empty file of a failed container is replaced by the tail of its log (80 lines, 2048 bytes).
/// </summary>
internal static class TerminationMessages
{
    public const string DefaultPath = "/dev/termination-log";
    public const string FallbackToLogsOnError = "FallbackToLogsOnError";
    public const int MaxBytes = 4096;
    public const int PodBudgetBytes = 12 * 1024;
    public const int MaxLogLines = 80;
    public const int MaxLogBytes = 2048;

    /// <summary>Creates (or empties) the container instance's termination message file; returns its host path.</summary>
    public static string Prepare(JsonObject container, string root)
    {
        var podPath = container["terminationMessagePath"]?.ToString() is { Length: > 0 } p ? p : DefaultPath;
        var path = Path.Combine(root, podPath.TrimStart('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, []);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("666", 8)); // the container may run as any user
        }
        return path;
    }

    /// <summary>
    /// The message of an exited instance: the file, else the log tail when the policy asks for it
    /// and it failed; capped at the container's share of the pod's 12 KiB (at most 4096 bytes).
    /// </summary>
    public static string? Read(JsonObject container, string path, int exitCode, string logFile, int podContainers)
    {
        var fromFile = ReadCapped(path, Math.Min(MaxBytes, PodBudgetBytes / Math.Max(1, podContainers)));
        if (fromFile.Length > 0)
        {
            return fromFile;
        }

        return exitCode != 0 && container["terminationMessagePolicy"]?.ToString() == FallbackToLogsOnError
            ? LogTail(logFile) is { Length: > 0 } tail ? tail : null
            : null;
    }

    private static string ReadCapped(string path, int max)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var buffer = new byte[max];
            var total = 0;
            int read;
            while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0)
            {
                total += read;
            }

            return Encoding.UTF8.GetString(buffer, 0, total);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ""; // the container removed or replaced it
        }
    }

    private static string LogTail(string logFile)
    {
        string[] raw;
        try
        {
            raw = File.ReadAllLines(logFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }

        var lines = raw.Select(l => ContainerLogs.TryParse(l, out _, out var text) ? text : l).TakeLast(MaxLogLines);
        var tail = string.Join("\n", lines);
        var bytes = Encoding.UTF8.GetBytes(tail);
        return bytes.Length <= MaxLogBytes ? tail : Encoding.UTF8.GetString(bytes, bytes.Length - MaxLogBytes, MaxLogBytes);
    }
}
