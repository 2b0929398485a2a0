using System.Text;
using System.Text.Json.Nodes;

namespace Sympozium.AgentRunner.Tools.BuiltIn;

/// <summary>
/// <c>list_directory</c>: one line per entry, <c>kind size  name</c> as upstream, sorted by name.
/// Restricted to the read_file roots (upstream listed any directory of the container).
/// </summary>
internal sealed class ListDirectoryTool(PodPathGuard guard) : IAgentTool
{
    public const string Name = "list_directory";

    public ToolDefinition Definition { get; } = new(
        Name,
        "List the contents of a directory on the pod filesystem. Paths under /workspace, /skills, /tmp, and /ipc are accessible.",
        ToolSchema.Parse("""
            {"type":"object","properties":{
              "path":{"type":"string","description":"Absolute path to the directory to list."}
            },"required":["path"]}
            """));

    public Task<ToolResult> InvokeAsync(JsonObject arguments, CancellationToken cancellationToken)
    {
        var path = ToolArguments.String(arguments, "path");
        if (string.IsNullOrEmpty(path))
        {
            return Task.FromResult(ToolResult.Error("Error: 'path' is required"));
        }

        var check = guard.Check(path);
        if (!check.IsAllowed)
        {
            return Task.FromResult(ToolResult.Error(check.Error!));
        }

        return Task.FromResult(List(check.PodPath, check.DiskPath!));
    }

    private static ToolResult List(string podPath, string diskPath)
    {
        try
        {
            if (File.Exists(diskPath))
            {
                return ToolResult.Error($"Error listing directory: {podPath}: not a directory");
            }

            var entries = new DirectoryInfo(diskPath)
                .EnumerateFileSystemInfos("*", new EnumerationOptions
                {
                    AttributesToSkip = 0,
                    IgnoreInaccessible = false,
                    RecurseSubdirectories = false,
                })
                .OrderBy(e => e.Name, StringComparer.Ordinal);

            var text = new StringBuilder();
            foreach (var entry in entries)
            {
                var (kind, size) = entry is FileInfo file ? ("file", SafeLength(file)) : ("dir", 0L);
                text.Append($"{kind,-6} {size,8}  {entry.Name}\n");
            }

            return new ToolResult(text.ToString());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ToolResult.Error($"Error listing directory: {FileErrors.Describe(e, podPath, diskPath)}");
        }
    }

    private static long SafeLength(FileInfo file)
    {
        try
        {
            return file.Length;
        }
        catch (IOException)
        {
            // A dangling symbolic link: nothing to measure.
            return 0;
        }
    }
}
