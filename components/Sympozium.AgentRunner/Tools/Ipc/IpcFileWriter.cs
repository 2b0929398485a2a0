using Sympozium.Api.WellKnown;

namespace Sympozium.AgentRunner.Tools.Ipc;

/// <summary>
/// Writes files that other containers pick up from <c>/ipc</c>: the bytes go to
/// <c>&lt;name&gt;.tmp</c>, are flushed to the device, and the file is renamed into place. Readers
/// (the ipc-bridge ignores <c>*.tmp</c>; skill sidecars and the mcp-bridge match
/// <c>*.json</c>) therefore never see a partial file. Upstream wrote in place and the bridge could
/// publish an empty or half-written payload (docs/design/ipc-protocol.md#exactly-once-publishing).
/// </summary>
public static class IpcFileWriter
{
    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> atomically, creating its directory.</summary>
    public static void Write(string path, ReadOnlySpan<byte> content)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var temp = path + IpcPaths.TempSuffix;
        try
        {
            // Default mode 0666 less the umask (0644 in the pod), as upstream's 0644.
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                stream.Write(content);
                // /ipc is a memory-backed emptyDir: the flush is cheap there and makes the rename
                // publish complete bytes on disk-backed roots (the local cluster) too.
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no BOM) to <paramref name="path"/> atomically.</summary>
    public static void WriteText(string path, string text) => Write(path, System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>Deletes <paramref name="path"/> if it exists; errors are ignored (clean-up only).</summary>
    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
