using System.Text;
using System.Text.Json.Nodes;

namespace Sympozium.AgentRunner.Tools.BuiltIn;

/// <summary>
/// <c>write_file</c>: creates or replaces a file under /workspace or /tmp. The content goes to a
/// temporary file beside the target and is renamed over it, so a skill sidecar reading the file
/// never sees half of it (upstream truncated and wrote in place).
/// </summary>
internal sealed class WriteFileTool(PodPathGuard guard, ToolsOptions options) : IAgentTool
{
    public const string Name = "write_file";

    private const UnixFileMode DirectoryMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private const UnixFileMode FileMode0644 =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public ToolDefinition Definition { get; } = new(
        Name,
        "Write content to a file on the pod filesystem. Creates the file if it doesn't exist, "
        + "or overwrites it if it does. Parent directories are created automatically. "
        + "Paths under /workspace and /tmp are writable.",
        ToolSchema.Parse("""
            {"type":"object","properties":{
              "path":{"type":"string","description":"Absolute path to the file to write."},
              "content":{"type":"string","description":"The content to write to the file."}
            },"required":["path","content"]}
            """));

    public Task<ToolResult> InvokeAsync(JsonObject arguments, CancellationToken cancellationToken)
    {
        var path = ToolArguments.String(arguments, "path");
        if (string.IsNullOrEmpty(path))
        {
            return Task.FromResult(ToolResult.Error("Error: 'path' is required"));
        }

        // Models sometimes pass the body of a .json file as an object rather than a string.
        var content = ToolArguments.String(arguments, "content")
            ?? (arguments["content"] is JsonObject or JsonArray ? arguments["content"]!.ToJsonString() : "");
        var check = guard.Check(path);
        if (!check.IsAllowed)
        {
            return Task.FromResult(ToolResult.Error(check.Error!));
        }

        return Task.FromResult(Write(check.PodPath, check.DiskPath!, Encoding.UTF8.GetBytes(content)));
    }

    private ToolResult Write(string podPath, string diskPath, byte[] bytes)
    {
        if (Directory.Exists(diskPath))
        {
            return ToolResult.Error($"Error writing file: {podPath}: is a directory");
        }

        var directory = Path.GetDirectoryName(diskPath)!;
        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, DirectoryMode);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var podDirectory = Path.GetDirectoryName(podPath) ?? "/";
            return ToolResult.Error($"Error creating directory {podDirectory}: {FileErrors.Describe(e, podDirectory, directory)}");
        }

        var temp = Path.Join(directory, $".{Path.GetFileName(diskPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
            }

            if (!OperatingSystem.IsWindows())
            {
                // 0644 as upstream; a file being replaced keeps its mode (a script stays executable).
                File.SetUnixFileMode(temp, File.Exists(diskPath) ? File.GetUnixFileMode(diskPath) : FileMode0644);
            }

            File.Move(temp, diskPath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            return ToolResult.Error($"Error writing file: {FileErrors.Describe(e, podPath, diskPath)}");
        }

        options.Write($"wrote file {podPath} ({bytes.Length} bytes)");
        return new ToolResult($"Successfully wrote {bytes.Length} bytes to {podPath}");
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
