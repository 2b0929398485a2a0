using System.Text.Json.Nodes;

namespace Sympozium.AgentRunner.Tools.BuiltIn;

/// <summary><c>read_file</c>: a file under /workspace, /skills, /tmp or /ipc, cut to the output limit.</summary>
internal sealed class ReadFileTool(PodPathGuard guard, ToolsOptions options) : IAgentTool
{
    public const string Name = "read_file";

    public ToolDefinition Definition { get; } = new(
        Name,
        "Read the contents of a file from the pod filesystem. Paths under /workspace, /skills, /tmp, and /ipc are accessible.",
        ToolSchema.Parse("""
            {"type":"object","properties":{
              "path":{"type":"string","description":"Absolute path to the file to read."}
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

        return Task.FromResult(Read(check.PodPath, check.DiskPath!));
    }

    private ToolResult Read(string podPath, string diskPath)
    {
        try
        {
            if (Directory.Exists(diskPath))
            {
                return ToolResult.Error($"Error reading file: {podPath}: is a directory");
            }

            using var stream = new FileStream(diskPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var limit = options.OutputLimit;
            // A UTF-8 character is at most 4 bytes: read a little past the limit to cut cleanly,
            // and never the whole of a large file.
            var buffer = new byte[limit + 4];
            var read = 0;
            int n;
            while (read < buffer.Length && (n = stream.Read(buffer, read, buffer.Length - read)) > 0)
            {
                read += n;
            }

            if (read <= limit)
            {
                return new ToolResult(System.Text.Encoding.UTF8.GetString(buffer, 0, read));
            }

            var size = stream.CanSeek ? stream.Length : read;
            return new ToolResult(Utf8Text.DecodePrefix(buffer.AsSpan(0, read), limit) + $"\n... (truncated, file is {size} bytes)");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ToolResult.Error($"Error reading file: {FileErrors.Describe(e, podPath, diskPath)}");
        }
    }
}
