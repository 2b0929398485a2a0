using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sympozium.AgentRunner.Tools;

/// <summary>The tools offered to the model, dispatched by name.</summary>
public sealed class ToolRegistry
{
    private readonly Dictionary<string, IAgentTool> _tools = new(StringComparer.Ordinal);
    private readonly List<ToolDefinition> _definitions = [];

    public IReadOnlyList<ToolDefinition> Definitions => _definitions;

    public int Count => _tools.Count;

    /// <summary>Adds a tool; a second tool with the same name is refused (first one wins).</summary>
    public bool Register(IAgentTool tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        if (!_tools.TryAdd(tool.Definition.Name, tool))
        {
            return false;
        }

        _definitions.Add(tool.Definition);
        return true;
    }

    /// <summary>Runs the named tool with the model's raw JSON arguments.</summary>
    public async Task<ToolResult> DispatchAsync(string name, string argumentsJson, CancellationToken cancellationToken)
    {
        if (!_tools.TryGetValue(name, out var tool))
        {
            return ToolResult.Error($"Unknown tool: {name}");
        }

        JsonObject arguments;
        try
        {
            arguments = string.IsNullOrWhiteSpace(argumentsJson)
                ? new JsonObject()
                : JsonNode.Parse(argumentsJson) as JsonObject ?? throw new JsonException("arguments must be a JSON object");
        }
        catch (JsonException e)
        {
            return ToolResult.Error($"Error parsing tool arguments: {e.Message}");
        }

        try
        {
            return await tool.InvokeAsync(arguments, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            return ToolResult.Error($"Error: tool {name} failed: {e.Message}");
        }
    }
}
