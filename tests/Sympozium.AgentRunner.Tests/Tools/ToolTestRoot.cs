using System.Text.Json.Nodes;
using Sympozium.AgentRunner.Tools;

namespace Sympozium.AgentRunner.Tests.Tools;

/// <summary>
/// A throw-away SYMPOZIUM_ROOT with the pod directories (/workspace, /skills, /tmp, /ipc/…) and an
/// <c>outside</c> directory that no tool may reach.
/// </summary>
internal sealed class ToolTestRoot : IDisposable
{
    public ToolTestRoot()
    {
        Root = Directory.CreateTempSubdirectory("sympozium-tools-").FullName;
        foreach (var dir in new[] { "workspace", "skills", "tmp", "ipc/tools", "ipc/messages", "ipc/schedules", "ipc/spawn", "outside" })
        {
            Directory.CreateDirectory(Path.Join(Root, dir));
        }

        File.WriteAllText(Path.Join(Root, "outside", "secret.txt"), "top secret");
        Paths = new RunnerPaths(Root);
    }

    public string Root { get; }

    public RunnerPaths Paths { get; }

    /// <summary>Short waits so timeouts are tested in about a second.</summary>
    public static ToolsOptions FastOptions { get; } = ToolsOptions.Default with
    {
        ResultWaitGrace = TimeSpan.FromMilliseconds(300),
        ResultPollInterval = TimeSpan.FromMilliseconds(20),
        McpManifestWait = TimeSpan.FromMilliseconds(300),
        McpManifestPollInterval = TimeSpan.FromMilliseconds(50),
    };

    /// <summary>The disk path of a pod path.</summary>
    public string Disk(string podPath) => Paths.Resolve(podPath);

    /// <summary>A registry holding the built-in tools.</summary>
    public ToolRegistry BuiltIns(ToolsOptions? options = null)
    {
        var registry = new ToolRegistry();
        BuiltInTools.Register(registry, Paths, options ?? FastOptions);
        return registry;
    }

    /// <summary>Files (not .claim- directories) under a pod directory, by name.</summary>
    public string[] Files(string podDirectory) =>
        [.. Directory.EnumerateFiles(Disk(podDirectory)).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    public static JsonObject ReadJson(string path) => (JsonObject)JsonNode.Parse(File.ReadAllText(path))!;

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Shorthands for calling a tool through the registry, as the agent loop does.</summary>
internal static class RegistryExtensions
{
    public static Task<ToolResult> Call(this ToolRegistry registry, string tool, string argumentsJson, CancellationToken cancellationToken = default) =>
        registry.DispatchAsync(tool, argumentsJson, cancellationToken);

    public static Task<ToolResult> Call(this ToolRegistry registry, string tool, JsonObject arguments, CancellationToken cancellationToken = default) =>
        registry.DispatchAsync(tool, arguments.ToJsonString(), cancellationToken);
}
