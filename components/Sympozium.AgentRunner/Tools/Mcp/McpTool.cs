using System.Text.Json;
using System.Text.Json.Nodes;
using Sympozium.Api.Messages;
using Sympozium.Api.WellKnown;
using Sympozium.AgentRunner.Tools.Ipc;

namespace Sympozium.AgentRunner.Tools.Mcp;

/// <summary>
/// One tool of the MCP manifest. A call writes <c>/ipc/tools/mcp-request-&lt;n&gt;.json</c> and
/// waits for the mcp-bridge's <c>mcp-result-&lt;n&gt;.json</c> (docs/design/agent-runner.md#mcp-tools).
/// </summary>
internal sealed class McpTool : IAgentTool
{
    private readonly McpToolEntry _entry;
    private readonly McpRequestCounter _counter;
    private readonly RunnerPaths _paths;
    private readonly ToolsOptions _options;
    private readonly TimeProvider _time;

    public McpTool(McpToolEntry entry, McpRequestCounter counter, RunnerPaths paths, ToolsOptions options, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(entry.Name);
        _entry = entry;
        _counter = counter;
        _paths = paths;
        _options = options;
        _time = time;

        var description = string.IsNullOrEmpty(entry.Description) ? "MCP tool" : entry.Description;
        var parameters = entry.InputSchema is JsonObject schema
            ? (JsonObject)schema.DeepClone()
            : new JsonObject { ["type"] = "object" };
        Definition = new ToolDefinition(McpToolNames.Sanitize(entry.Name), $"{description} [MCP: {entry.Server}]", parameters);
    }

    public ToolDefinition Definition { get; }

    /// <summary>The manifest's name, sent in the request (the registered name may be sanitised).</summary>
    public string ManifestName => _entry.Name!;

    /// <summary>How long a call waits for its result: the tool's timeout (default 30 s) plus the grace.</summary>
    public TimeSpan Wait => (_entry.Timeout > 0 ? TimeSpan.FromSeconds(_entry.Timeout) : _options.McpDefaultTimeout) + _options.ResultWaitGrace;

    public async Task<ToolResult> InvokeAsync(JsonObject arguments, CancellationToken cancellationToken)
    {
        var id = _counter.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var requestPath = _paths.Resolve($"{IpcPaths.ToolsDir}/{IpcPaths.McpRequestPrefix}{id}.json");
        var resultPath = _paths.Resolve($"{IpcPaths.ToolsDir}/{IpcPaths.McpResultPrefix}{id}.json");
        var request = new McpRequest
        {
            Id = id,
            Server = string.IsNullOrEmpty(_entry.Server) ? null : _entry.Server,
            Tool = ManifestName,
            Arguments = arguments,
            Meta = _options.TraceMetadata?.Invoke() is { Count: > 0 } meta ? meta : null,
        };

        try
        {
            IpcFileWriter.Write(requestPath, JsonSerializer.SerializeToUtf8Bytes(request, MessageJsonContext.Default.McpRequest));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ToolResult.Error($"Error writing MCP request: {e.GetType().Name}");
        }

        _options.Write($"wrote MCP request {id}: tool={ManifestName} server={_entry.Server}");
        try
        {
            var outcome = await IpcResultPoller.WaitAsync(
                resultPath,
                MessageJsonContext.Default.McpResult,
                Wait,
                _options.ResultPollInterval,
                _time,
                cancellationToken).ConfigureAwait(false);

            if (outcome.ParseError is { } parseError)
            {
                return ToolResult.Error($"Error parsing MCP result: {parseError}");
            }

            if (outcome.Value is not { } result)
            {
                return ToolResult.Error("Error: timed out waiting for MCP tool result. The mcp-bridge sidecar may not be running.");
            }

            IpcFileWriter.TryDelete(resultPath);
            return McpResultFormatter.Format(result, _options.OutputLimit);
        }
        finally
        {
            IpcFileWriter.TryDelete(requestPath);
        }
    }
}
