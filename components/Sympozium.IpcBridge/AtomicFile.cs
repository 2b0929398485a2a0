using Sympozium.IpcBridge.Internal;

namespace Sympozium.IpcBridge;

/// <summary>
/// Writes a file so that readers see all of it or nothing: the bytes go to a hidden
/// <c>.name.xxxx.tmp</c> beside it, which is then renamed. Readers of /ipc ignore dot-files and
/// <c>*.tmp</c>, so the temporary file is never picked up.
/// </summary>
internal static class AtomicFile
{
    private const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead; // 0640, as upstream

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/>; false if the file exists and <paramref name="overwrite"/> is false.</summary>
    public static async Task<bool> WriteAsync(string path, ReadOnlyMemory<byte> content, bool overwrite, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(path)!;
        var temp = Path.Combine(directory, "." + Path.GetFileName(path) + "." + RandomHex.Next(8) + ".tmp");
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = Mode;
        }

        try
        {
            await using (var stream = new FileStream(temp, options))
            {
                await stream.WriteAsync(content, cancellationToken).ConfigureAwait(false);
            }

            File.Move(temp, path, overwrite);
            return true;
        }
        catch (IOException) when (!overwrite && File.Exists(path))
        {
            return false;
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
