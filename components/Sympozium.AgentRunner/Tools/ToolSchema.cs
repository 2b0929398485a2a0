using System.Text.Json.Nodes;

namespace Sympozium.AgentRunner.Tools;

/// <summary>Tool parameter schemas written as JSON text, so they read like the wire format.</summary>
internal static class ToolSchema
{
    public static JsonObject Parse(string json) =>
        JsonNode.Parse(json) as JsonObject ?? throw new ArgumentException("a tool schema must be a JSON object", nameof(json));
}
