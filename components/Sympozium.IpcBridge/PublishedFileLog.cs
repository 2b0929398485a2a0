using System.Text;
using Sympozium.IpcBridge.Internal;

namespace Sympozium.IpcBridge;

/// <summary>
/// The bridge's memory across restarts, kept in <c>/ipc/.bridge-published</c> (the /ipc volume
/// lives as long as the pod): a session id, then one line per file whose publish JetStream
/// acknowledged, appended right after the acknowledgement. A restarted bridge skips those files.
/// </summary>
/// <remarks>
/// <para>The session id is made once per pod and is part of every message id, so a bridge
/// restarted in the same pod republishes under the same ids (JetStream drops the copies within
/// its duplicate window), while a new pod for a re-created AgentRun of the same name is never
/// mistaken for the old one.</para>
/// <para>A crash between the acknowledgement and the append loses one line; the republish that
/// follows is then de-duplicated by JetStream. A torn last line is ignored.</para>
/// </remarks>
internal sealed class PublishedFileLog : IDisposable
{
    public const string FileName = ".bridge-published";
    private const string SessionPrefix = "session ";

    private readonly FileStream _stream;
    private readonly HashSet<string> _published;
    private readonly Lock _lock = new();

    private PublishedFileLog(FileStream stream, string session, HashSet<string> published)
    {
        _stream = stream;
        Session = session;
        _published = published;
    }

    /// <summary>This pod's session id (hex).</summary>
    public string Session { get; }

    /// <summary>Files (relative to /ipc) already published, as read at start.</summary>
    public IReadOnlyCollection<string> Published
    {
        get
        {
            lock (_lock)
            {
                return [.. _published];
            }
        }
    }

    /// <summary>Opens the log in <paramref name="ipcDirectory"/>, creating it with a new session id.</summary>
    public static PublishedFileLog Open(string ipcDirectory)
    {
        var path = Path.Combine(ipcDirectory, FileName);
        if (!File.Exists(path))
        {
            var session = RandomHex.Next(16);
            var temp = path + "." + session + ".tmp";
            File.WriteAllText(temp, SessionPrefix + session + "\n");
            try
            {
                // Rename without replacing: a second bridge racing us keeps one session.
                File.Move(temp, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(temp);
            }
        }

        string? sessionId = null;
        var published = new HashSet<string>(StringComparer.Ordinal);
        var lines = File.ReadAllText(path).Split('\n');

        // The last element follows the last '\n': empty, or a line torn by a crash mid-append.
        for (var i = 0; i < lines.Length - 1; i++)
        {
            var line = lines[i];
            if (sessionId is null && line.StartsWith(SessionPrefix, StringComparison.Ordinal))
            {
                sessionId = line[SessionPrefix.Length..];
            }
            else if (line.Length > 0)
            {
                published.Add(line);
            }
        }

        if (string.IsNullOrEmpty(sessionId))
        {
            throw new InvalidDataException($"{path} has no session line; delete it to start a new session.");
        }

        var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        return new PublishedFileLog(stream, sessionId, published);
    }

    /// <summary>Whether the file was published before.</summary>
    public bool Contains(string relativePath)
    {
        lock (_lock)
        {
            return _published.Contains(relativePath);
        }
    }

    /// <summary>Records an acknowledged publish.</summary>
    public void Append(string relativePath)
    {
        if (relativePath.Contains('\n', StringComparison.Ordinal))
        {
            return; // Not representable; JetStream's de-duplication still covers a republish.
        }

        var line = Encoding.UTF8.GetBytes(relativePath + "\n");
        lock (_lock)
        {
            if (!_published.Add(relativePath))
            {
                return;
            }

            // One write call per line, so a crash tears at most the last line. /ipc is a memory
            // volume: the kernel has the bytes once write returns, which is all a crash needs.
            _stream.Write(line);
            _stream.Flush();
        }
    }

    public void Dispose() => _stream.Dispose();
}
