namespace Sympozium.IpcBridge;

/// <summary>
/// Watches /ipc and its subdirectories (inotify through <see cref="FileSystemWatcher"/>) and
/// reports every file that appears or changes, by its path relative to /ipc. Writers that
/// rename a finished temp file into place show up as a rename; plain writers as a create and
/// changes. Events can be lost (inotify overflow): the owner also rescans periodically, and an
/// overflow asks for a rescan at once.
/// </summary>
internal sealed class IpcDirectoryWatcher : IDisposable
{
    private readonly string _root;
    private readonly FileSystemWatcher _watcher;
    private readonly Action<string> _onFile;
    private readonly Action _onOverflow;

    public IpcDirectoryWatcher(string ipcDirectory, Action<string> onFile, Action onOverflow)
    {
        _root = Path.GetFullPath(ipcDirectory);
        _onFile = onFile;
        _onOverflow = onOverflow;
        _watcher = new FileSystemWatcher(_root)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            InternalBufferSize = 64 * 1024,
        };
        _watcher.Created += OnChanged;
        _watcher.Changed += OnChanged;
        _watcher.Renamed += OnRenamed;
        _watcher.Error += OnError;
    }

    public void Start() => _watcher.EnableRaisingEvents = true;

    public void Dispose()
    {
        _watcher.EnableRaisingEvents = false;
        _watcher.Dispose();
    }

    private void OnChanged(object sender, FileSystemEventArgs e) => Report(e.FullPath);

    private void OnRenamed(object sender, RenamedEventArgs e) => Report(e.FullPath);

    private void OnError(object sender, ErrorEventArgs e) => _onOverflow();

    private void Report(string fullPath)
    {
        var relative = Path.GetRelativePath(_root, fullPath);
        if (relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative))
        {
            return;
        }

        _onFile(relative.Replace(Path.DirectorySeparatorChar, '/'));
    }
}
