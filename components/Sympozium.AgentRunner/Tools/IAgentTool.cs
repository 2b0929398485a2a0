using System.Text.Json.Nodes;

namespace Sympozium.AgentRunner.Tools;

/// <summary>What the model is told about a tool: name, description and JSON-schema parameters.</summary>
public sealed record ToolDefinition(string Name, string Description, JsonObject Parameters);

/// <summary>
/// A tool's answer. <see cref="IsError"/> is set by the tool itself (upstream guessed it from an
/// "Error:" prefix and missed most failures).
/// </summary>
public sealed record ToolResult(string Text, bool IsError = false)
{
    public static ToolResult Error(string text) => new(text, IsError: true);
}

/// <summary>A tool the agent can call.</summary>
public interface IAgentTool
{
    ToolDefinition Definition { get; }

    /// <summary>Runs the tool. Expected failures come back as an error result, never as an exception.</summary>
    Task<ToolResult> InvokeAsync(JsonObject arguments, CancellationToken cancellationToken);
}
