using System.Text.Json;
using Sympozium.Api.Messages;
using Sympozium.Api.WellKnown;
using Sympozium.AgentRunner.Tools.Mcp;

namespace Sympozium.AgentRunner.Tools;

/// <summary>The tools of MCP servers, relayed by the mcp-bridge sidecar
/// (docs/design/agent-runner.md#mcp-tools).</summary>
public static class McpTools
{
    /// <summary>
    /// Waits up to <see cref="ToolsOptions.McpManifestWait"/> for a non-empty
    /// <c>/ipc/tools/mcp-tools.json</c> and registers one tool per entry. A missing, empty or
    /// invalid manifest adds nothing. Returns the number of tools registered.
    /// </summary>
    public static async Task<int> LoadAsync(
        ToolRegistry registry,
        RunnerPaths paths,
        ToolsOptions options,
        TimeProvider? time = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(options);
        time ??= TimeProvider.System;

        var manifestPath = paths.Resolve(IpcPaths.McpToolsFile);
        var bytes = await WaitForManifestAsync(manifestPath, options, time, cancellationToken).ConfigureAwait(false);
        if (bytes is null)
        {
            return 0;
        }

        McpToolManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(bytes, MessageJsonContext.Default.McpToolManifest);
        }
        catch (JsonException e)
        {
            options.Write($"WARNING: failed to parse MCP tool manifest: {e.Message}");
            return 0;
        }

        var counter = new McpRequestCounter();
        var registered = 0;
        foreach (var entry in manifest?.Tools ?? [])
        {
            if (string.IsNullOrEmpty(entry?.Name))
            {
                options.Write("WARNING: MCP manifest entry without a name skipped");
                continue;
            }

            var tool = new McpTool(entry, counter, paths, options, time);
            if (registry.Register(tool))
            {
                registered++;
            }
            else
            {
                options.Write($"WARNING: MCP tool {entry.Name} (as {tool.Definition.Name}) clashes with a tool already registered; skipped");
            }
        }

        options.Write($"loaded {registered} MCP tool(s) from manifest");
        return registered;
    }

    private static async Task<byte[]?> WaitForManifestAsync(string path, ToolsOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            try
            {
                var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
                if (bytes.Length > 0)
                {
                    return bytes;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not written yet: the mcp-bridge may still be discovering.
            }

            if (time.GetElapsedTime(started) >= options.McpManifestWait)
            {
                return null;
            }

            await Task.Delay(options.McpManifestPollInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
