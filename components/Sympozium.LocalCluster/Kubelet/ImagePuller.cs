using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Sympozium.LocalCluster.Kubelet;

/// <summary>
/// The local stand-in for pulling an image: runs an image entry's <see cref="ImageEntry.Pull"/>
/// command when its entrypoint does not exist yet. One pull per image at a time (pods of the same
/// image wait for the running pull, as a node shares one pull); each pull's output goes to
/// DIR/kubelet/pulls/&lt;image&gt;.log.
/// </summary>
internal sealed class ImagePuller(string directory)
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    /// <summary>Pulls <paramref name="entry"/> unless its entrypoint exists; returns null when it is there, otherwise why not.</summary>
    public async Task<string?> EnsureAsync(ImageEntry entry, CancellationToken cancellationToken)
    {
        if (!entry.NeedsPull)
        {
            return null;
        }

        var gate = _locks.GetOrAdd(entry.Pattern, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!entry.NeedsPull)
            {
                return null;
            }

            var logs = Path.Combine(directory, "kubelet", "pulls");
            System.IO.Directory.CreateDirectory(logs);
            var log = Path.Combine(logs, string.Concat(entry.Pattern.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_')) + ".log");
            var start = new ProcessStartInfo(entry.Pull![0]) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
            foreach (var argument in entry.Pull.Skip(1))
            {
                start.ArgumentList.Add(argument);
            }

            using var process = new Process { StartInfo = start };
            await using var output = new StreamWriter(log, append: false);
            var sink = new Lock();
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            try
            {
                process.Start();
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                return $"pulling {entry.Pattern}: cannot run {entry.Pull[0]}: {e.Message}";
            }

            process.StandardInput.Close();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            process.WaitForExit(); // drains the asynchronous output readers
            lock (sink)
            {
                output.Flush();
            }

            if (process.ExitCode != 0)
            {
                return string.Create(CultureInfo.InvariantCulture, $"pulling {entry.Pattern}: {string.Join(' ', entry.Pull)} exited with {process.ExitCode}; see {log}");
            }

            return entry.NeedsPull ? $"pulling {entry.Pattern}: {string.Join(' ', entry.Pull)} succeeded but {entry.PullTarget} still does not exist; see {log}" : null;

            void Append(string? line)
            {
                if (line is not null)
                {
                    lock (sink)
                    {
                        output.WriteLine(line);
                    }
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }
}
