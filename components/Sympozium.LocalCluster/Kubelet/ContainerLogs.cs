using System.Globalization;
using System.Text;

namespace Sympozium.LocalCluster.Kubelet;

/// <summary>
/// Container logs on disk: DIR/pods/NS_NAME_UID/logs/CONTAINER/N.log for the container's Nth
/// instance (its restart count), one CRI-format line per output line
/// (<c>2024-05-01T10:00:00.1234567Z stdout F text</c>), and N.log.done once the instance ended.
/// Written by the kubelet, read by the pods/log endpoint (which needs no kubelet instance).
/// </summary>
public static class ContainerLogs
{
    public static string PodDirectory(string clusterDirectory, string ns, string name, string uid) =>
        Path.Combine(clusterDirectory, "pods", $"{ns}_{name}_{uid}");

    public static string ContainerDirectory(string podDirectory, string container) => Path.Combine(podDirectory, "logs", container);

    public static string LogFile(string podDirectory, string container, int instance) =>
        Path.Combine(ContainerDirectory(podDirectory, container), instance.ToString(CultureInfo.InvariantCulture) + ".log");

    /// <summary>The instances with a log, oldest first.</summary>
    public static IReadOnlyList<int> Instances(string podDirectory, string container)
    {
        var dir = ContainerDirectory(podDirectory, container);
        if (!Directory.Exists(dir))
        {
            return [];
        }

        return Directory.EnumerateFiles(dir, "*.log")
            .Select(f => int.TryParse(Path.GetFileNameWithoutExtension(f), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1)
            .Where(n => n >= 0)
            .Order()
            .ToList();
    }

    public static bool IsDone(string logFile) => File.Exists(logFile + ".done");

    public static string FormatTimestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// Writes the log of <paramref name="logFile"/> to <paramref name="output"/> as the pods/log
    /// endpoint does: lines since a time, the last N lines, with or without timestamps, up to a
    /// byte limit; with <paramref name="follow"/> it keeps streaming until the instance ended.
    /// </summary>
    public static async Task CopyAsync(string logFile, LogOptions options, Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        long written = 0;
        long position;
        var pending = new StringBuilder();
        async Task<bool> EmitAsync(string raw)
        {
            if (!TryParse(raw, out var time, out var text))
            {
                return true;
            }

            if (options.Since is { } since && time < since)
            {
                return true;
            }

            var line = options.Timestamps ? $"{FormatTimestamp(time)} {text}\n" : text + "\n";
            var bytes = Encoding.UTF8.GetBytes(line);
            if (options.LimitBytes is { } limit)
            {
                if (written >= limit)
                {
                    return false;
                }

                if (written + bytes.Length > limit)
                {
                    bytes = bytes[..(int)(limit - written)];
                }
            }

            written += bytes.Length;
            await output.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            return true;
        }

        {
            using var stream = Open(logFile);
            if (stream is null)
            {
                return;
            }

            var (lines, end) = await ReadCompleteLinesAsync(stream, cancellationToken).ConfigureAwait(false);
            position = end;
            IEnumerable<string> selected = lines;
            if (options.Since is { } since)
            {
                selected = selected.Where(l => TryParse(l, out var t, out _) && t >= since);
            }

            if (options.TailLines is { } tail)
            {
                var list = selected.ToList();
                selected = list.Skip(Math.Max(0, list.Count - (int)Math.Min(tail, int.MaxValue)));
            }

            foreach (var line in selected)
            {
                if (!await EmitAsync(line).ConfigureAwait(false))
                {
                    return;
                }
            }

            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        if (!options.Follow)
        {
            return;
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            var done = IsDone(logFile);
            using (var stream = Open(logFile))
            {
                if (stream is null)
                {
                    return; // the pod is gone
                }

                stream.Position = position;
                var (lines, end) = await ReadCompleteLinesAsync(stream, cancellationToken).ConfigureAwait(false);
                position += end;
                foreach (var line in lines)
                {
                    if (!await EmitAsync(line).ConfigureAwait(false))
                    {
                        return;
                    }
                }

                if (lines.Count > 0)
                {
                    await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }
            }

            if (done)
            {
                return;
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    private static FileStream? Open(string file)
    {
        try
        {
            return new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Reads whole lines from the stream's position; returns them and how many bytes they took.</summary>
    private static async Task<(List<string> Lines, long Bytes)> ReadCompleteLinesAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        var data = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        var last = data.LastIndexOf((byte)'\n');
        if (last < 0)
        {
            return ([], 0);
        }

        var text = Encoding.UTF8.GetString(data[..last]);
        return ([.. text.Split('\n')], last + 1);
    }

    internal static bool TryParse(string raw, out DateTimeOffset time, out string text)
    {
        // "<time> <stream> <F|P> <text>"
        text = "";
        time = default;
        var first = raw.IndexOf(' ', StringComparison.Ordinal);
        if (first < 0 || !DateTimeOffset.TryParse(raw.AsSpan(0, first), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time))
        {
            return false;
        }

        var second = raw.IndexOf(' ', first + 1);
        var third = second < 0 ? -1 : raw.IndexOf(' ', second + 1);
        text = third < 0 ? "" : raw[(third + 1)..];
        return true;
    }
}

/// <summary>The query of a pods/log request.</summary>
public sealed record LogOptions
{
    public bool Follow { get; init; }

    public bool Timestamps { get; init; }

    public long? TailLines { get; init; }

    public DateTimeOffset? Since { get; init; }

    public long? LimitBytes { get; init; }
}

/// <summary>Appends one container instance's output to its log file; <see cref="Complete"/> marks it done.</summary>
internal sealed class ContainerLogWriter : IDisposable
{
    private readonly Lock _gate = new();
    private readonly StreamWriter _writer;
    private readonly string _file;

    public ContainerLogWriter(string file)
    {
        _file = file;
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.Delete(file + ".done");
        _writer = new StreamWriter(new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete), new UTF8Encoding(false)) { AutoFlush = true };
    }

    public void Write(string stream, string line)
    {
        lock (_gate)
        {
            try
            {
                _writer.Write($"{ContainerLogs.FormatTimestamp(DateTimeOffset.UtcNow)} {stream} F {line}\n");
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>The instance ended: readers following the log stop after its last line.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            try
            {
                _writer.Flush();
                File.WriteAllText(_file + ".done", "");
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or UnauthorizedAccessException)
            {
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _writer.Dispose();
        }
    }
}
