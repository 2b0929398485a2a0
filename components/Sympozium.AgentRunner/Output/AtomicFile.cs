using System.Text;
using Sympozium.Api.WellKnown;

namespace Sympozium.AgentRunner.Output;

/// <summary>
/// Writes a file so readers never see it half-written: <c>name.tmp</c> first, then a rename.
/// The ipc-bridge ignores <c>*.tmp</c> files and reacts to the rename.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, string content) => Write(path, Encoding.UTF8.GetBytes(content));

    public static void Write(string path, byte[] content)
    {
        ArgumentNullException.ThrowIfNull(path);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = path + IpcPaths.TempSuffix;
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
