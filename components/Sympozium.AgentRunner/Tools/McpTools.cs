using System.Text.Json;
using Sympozium.Api.Messages;
using Sympozium.Api.WellKnown;
using Sympozium.AgentRunner.Tools.Ipc;
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

    // Woken by the manifest's arrival; the poll interval is only the safety net (lost events, or
    // an /ipc/tools that does not exist yet). With a zero wait (a run without MCP servers) it
    // reads once and sets up no watch.
    private static async Task<byte[]?> WaitForManifestAsync(string path, ToolsOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        FileArrival? arrival = null;
        try
        {
            while (true)
            {
                var bytes = TryReadManifest(path);
                if (bytes is { Length: > 0 })
                {
                    return bytes;
                }

                var remaining = options.McpManifestWait - time.GetElapsedTime(started);
                if (remaining <= TimeSpan.Zero)
                {
                    return null;
                }

                if (arrival is null)
                {
                    // Armed, then read once more: a manifest written in between is not missed.
                    arrival = FileArrival.Watch(path);
                    continue;
                }

                await arrival.WaitAsync(remaining < options.McpManifestPollInterval ? remaining : options.McpManifestPollInterval, time, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            arrival?.Dispose();
        }
    }

    private static byte[]? TryReadManifest(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not written yet: the mcp-bridge may still be discovering.
            return null;
        }
    }
}
