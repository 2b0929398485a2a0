namespace Sympozium.AgentRunner.Tools.Ipc;

/// <summary>
/// Wakes a waiter as soon as one file is created, written or renamed into place (inotify through
/// <see cref="FileSystemWatcher"/>), so the runner reads a sidecar's result the moment it lands
/// instead of on the next tick of a poll interval. The caller still bounds each wait with a
/// timeout: events can be lost (inotify overflow), and when the directory does not exist yet
/// there is nothing to watch and the timeout alone paces the re-reads.
/// </summary>
internal sealed class FileArrival : IDisposable
{
    private readonly FileSystemWatcher? _watcher;
    private readonly Lock _lock = new();
    private TaskCompletionSource _arrived = NewSignal();

    private FileArrival(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is null || !Directory.Exists(directory))
        {
            return;
        }

        try
        {
            _watcher = new FileSystemWatcher(directory, Path.GetFileName(path))
            {
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            _watcher.Created += (_, _) => Signal();
            _watcher.Changed += (_, _) => Signal();
            _watcher.Renamed += (_, _) => Signal();
            _watcher.Error += (_, _) => Signal();
            _watcher.EnableRaisingEvents = true;
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or PlatformNotSupportedException)
        {
            // No watch (directory removed meanwhile, inotify limits): the timeouts pace the reads.
            _watcher?.Dispose();
            _watcher = null;
        }
    }

    /// <summary>Whether events are being delivered (false: only the timeouts wake the waiter).</summary>
    public bool IsWatching => _watcher is not null;

    /// <summary>Starts watching <paramref name="path"/>; arm it before the first read so no write is missed.</summary>
    public static FileArrival Watch(string path) => new(path);

    /// <summary>
    /// Returns when the file has changed since the previous wait returned, or after
    /// <paramref name="timeout"/>, whichever comes first. Read the file after it returns.
    /// </summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        Task arrived;
        lock (_lock)
        {
            arrived = _arrived.Task;
        }

        try
        {
            await arrived.WaitAsync(timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The safety net: read again anyway.
        }

        lock (_lock)
        {
            if (_arrived.Task.IsCompleted)
            {
                _arrived = NewSignal();
            }
        }
    }

    public void Dispose() => _watcher?.Dispose();

    private void Signal()
    {
        lock (_lock)
        {
            _arrived.TrySetResult();
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
