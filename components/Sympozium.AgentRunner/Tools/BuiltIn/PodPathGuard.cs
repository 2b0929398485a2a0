namespace Sympozium.AgentRunner.Tools.BuiltIn;

/// <summary>
/// Decides which pod paths the file tools may touch. Upstream only tested the cleaned path
/// string with a plain prefix (<c>/tmpx</c> passed as <c>/tmp</c>) and followed symbolic links
/// anywhere; list_directory had no check at all. Here a path is allowed when, after resolving
/// <c>.</c> and <c>..</c>, its first segments equal an allowed root, and when every symbolic link
/// on the way, resolved on disk, still ends inside an allowed root.
/// </summary>
internal sealed class PodPathGuard
{
    /// <summary>Roots read_file and list_directory may see.</summary>
    public static readonly IReadOnlyList<string> ReadRoots = ["/workspace", "/skills", "/tmp", "/ipc"];

    /// <summary>Roots write_file may change.</summary>
    public static readonly IReadOnlyList<string> WriteRoots = ["/workspace", "/tmp"];

    private const int MaxSymbolicLinks = 40;

    private readonly RunnerPaths _paths;
    private readonly IReadOnlyList<string> _roots;

    public PodPathGuard(RunnerPaths paths, IReadOnlyList<string> roots)
    {
        _paths = paths;
        _roots = roots;
        RootsText = string.Join(", ", roots);
    }

    /// <summary>The roots as upstream listed them in its error text: "/workspace, /tmp".</summary>
    public string RootsText { get; }

    /// <summary>Checks <paramref name="podPath"/> and finds the file on disk it stands for.</summary>
    public PodPathCheck Check(string podPath)
    {
        var clean = Clean(podPath);
        if (clean is null || !_roots.Any(root => IsWithin(clean, root)))
        {
            return PodPathCheck.Denied(clean ?? podPath, $"Error: access denied — path must be under {RootsText}");
        }

        string real;
        try
        {
            real = RealPath(Path.GetFullPath(_paths.Resolve(clean)));
        }
        catch (IOException)
        {
            return PodPathCheck.Denied(clean, $"Error: access denied — {clean}: too many levels of symbolic links");
        }

        foreach (var root in _roots)
        {
            if (IsWithin(real, RealPath(Path.GetFullPath(_paths.Resolve(root)))))
            {
                return PodPathCheck.Allowed(clean, real);
            }
        }

        return PodPathCheck.Denied(clean, $"Error: access denied — {clean} leads outside {RootsText} through a symbolic link");
    }

    /// <summary>
    /// The absolute pod path with empty, <c>.</c> and <c>..</c> segments resolved (<c>..</c> stops
    /// at <c>/</c>, as Go's filepath.Clean); null for a relative path.
    /// </summary>
    public static string? Clean(string podPath)
    {
        if (string.IsNullOrEmpty(podPath) || podPath[0] != '/')
        {
            return null;
        }

        var segments = new List<string>();
        foreach (var segment in podPath.Split('/'))
        {
            switch (segment)
            {
                case "" or ".":
                    break;
                case "..":
                    if (segments.Count > 0)
                    {
                        segments.RemoveAt(segments.Count - 1);
                    }

                    break;
                default:
                    segments.Add(segment);
                    break;
            }
        }

        return "/" + string.Join('/', segments);
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="root"/> or lies below it (whole segments only).</summary>
    public static bool IsWithin(string path, string root)
    {
        var trimmed = root.Length > 1 ? root.TrimEnd('/') : root;
        return trimmed == "/"
            || path == trimmed
            || (path.Length > trimmed.Length && path.StartsWith(trimmed, StringComparison.Ordinal) && path[trimmed.Length] == '/');
    }

    /// <summary>
    /// <paramref name="fullPath"/> with every symbolic link resolved, like realpath(3); the part
    /// that does not exist yet is kept as written (write_file creates it).
    /// </summary>
    public static string RealPath(string fullPath)
    {
        var pending = new Stack<string>(fullPath.Split('/').Reverse());
        var current = "/";
        var links = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part is "" or ".")
            {
                continue;
            }

            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? "/";
                continue;
            }

            var candidate = current == "/" ? "/" + part : current + "/" + part;
            var target = LinkTarget(candidate);
            if (target is null)
            {
                current = candidate;
                continue;
            }

            if (++links > MaxSymbolicLinks)
            {
                throw new IOException("too many levels of symbolic links");
            }

            foreach (var targetPart in target.Split('/').Reverse())
            {
                pending.Push(targetPart);
            }

            if (target.StartsWith('/'))
            {
                current = "/";
            }
        }

        return current;
    }

    private static string? LinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}

/// <summary>The outcome of <see cref="PodPathGuard.Check"/>.</summary>
internal sealed record PodPathCheck(string PodPath, string? DiskPath, string? Error)
{
    public bool IsAllowed => Error is null;

    public static PodPathCheck Allowed(string podPath, string diskPath) => new(podPath, diskPath, null);

    public static PodPathCheck Denied(string podPath, string error) => new(podPath, null, error);
}
