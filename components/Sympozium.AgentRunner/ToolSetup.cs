using Sympozium.AgentRunner.Tools;
using Sympozium.AgentRunner.Tools.Memory;

namespace Sympozium.AgentRunner;

/// <summary>The memory client of a run, if a memory server is configured (disposed with the result).</summary>
public sealed record ToolSetupResult(MemoryClient? Memory) : IDisposable
{
    public void Dispose() => Memory?.Dispose();
}

/// <summary>Auto-context and auto-store against the memory server.</summary>
public interface IMemoryContext
{
    Task<string?> SearchContextAsync(string task, CancellationToken cancellationToken);
    Task<bool> StoreRunAsync(string task, string response, CancellationToken cancellationToken);
}

/// <summary>Registers the tools the environment enables.</summary>
public static class ToolSetup
{
    /// <summary>
    /// Built-in and MCP tools when TOOLS_ENABLED=true; memory tools whenever MEMORY_SERVER_URL is
    /// set (independently of TOOLS_ENABLED, as upstream).
    /// </summary>
    public static async Task<ToolSetupResult> ConfigureAsync(ToolRegistry registry, RunnerPaths paths, RunnerOptions options, Action<string> log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        var toolsOptions = ToolsOptions.Default with
        {
            RunId = options.RunId,
            PersonaPackName = options.PersonaPackName,
            MemoryServerUrl = options.MemoryServerUrl,
            FetchAllowPrivateNetworks = options.FetchAllowPrivate,
            McpManifestWait = options.McpManifestWait ?? ToolsOptions.Default.McpManifestWait,
            Log = log,
        };
        if (options.ToolsEnabled)
        {
            BuiltInTools.Register(registry, paths, toolsOptions);
            var mcp = await McpTools.LoadAsync(registry, paths, toolsOptions, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (mcp > 0)
            {
                log($"{mcp} MCP tools loaded");
            }
        }

        return new ToolSetupResult(MemoryTools.Register(registry, toolsOptions));
    }
}
