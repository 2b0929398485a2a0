using Sympozium.AgentRunner.Output;
using Sympozium.AgentRunner.Tools.Memory;

namespace Sympozium.AgentRunner.Tools;

/// <summary>The server-backed memory tools (docs/design/agent-runner.md#memory), independent of
/// <c>TOOLS_ENABLED</c>.</summary>
public static class MemoryTools
{
    /// <summary>
    /// When <see cref="ToolsOptions.MemoryServerUrl"/> is set, adds memory_search, memory_store
    /// and memory_list and returns the client, for the auto-context search and the auto-store;
    /// otherwise adds nothing and returns null. An unusable URL is logged and treated as unset.
    /// </summary>
    /// <param name="handler">Transport for tests; default a new handler owned by the client.</param>
    public static MemoryClient? Register(ToolRegistry registry, ToolsOptions options, HttpMessageHandler? handler = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.MemoryServerUrl))
        {
            return null;
        }

        MemoryClient client;
        try
        {
            client = new MemoryClient(options.MemoryServerUrl.Trim(), options, handler, time);
        }
        catch (ArgumentException e)
        {
            options.Write($"WARNING: memory tools disabled: {e.Message}");
            return null;
        }

        registry.Register(MemoryTool.Search(client));
        registry.Register(MemoryTool.Store(client));
        registry.Register(MemoryTool.List(client));
        options.Write($"memory server configured: {LogSafeText.Url(client.BaseUrl)}");
        return client;
    }
}
