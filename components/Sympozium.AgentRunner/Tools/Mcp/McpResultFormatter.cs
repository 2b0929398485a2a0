using System.Text;
using System.Text.Json;
using Sympozium.Api.Messages;

namespace Sympozium.AgentRunner.Tools.Mcp;

/// <summary>Turns an mcp-bridge result into the text the model reads (upstream formatMCPResult).</summary>
internal static class McpResultFormatter
{
    private const string TruncationMarker = "\n... (output truncated)";

    public static ToolResult Format(McpResult result, int outputLimit)
    {
        if (!result.Success || result.IsError)
        {
            if (!string.IsNullOrEmpty(result.Error))
            {
                return ToolResult.Error(Utf8Text.Truncate($"MCP Error: {result.Error}", outputLimit, TruncationMarker));
            }

            var first = Texts(result.Content).FirstOrDefault();
            return ToolResult.Error(Utf8Text.Truncate($"MCP Error: {first ?? "unknown error"}", outputLimit, TruncationMarker));
        }

        string output;
        if (result.Content is not { } content || content.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            output = "";
        }
        else if (content.ValueKind == JsonValueKind.Array)
        {
            // Text blocks only; images and other kinds cannot be shown to the model as text.
            output = string.Join('\n', Texts(content));
        }
        else
        {
            output = content.GetRawText();
        }

        if (output.Length == 0)
        {
            output = "(no output)";
        }

        return new ToolResult(Utf8Text.Truncate(output, outputLimit, TruncationMarker));
    }

    private static IEnumerable<string> Texts(JsonElement? content)
    {
        if (content is not { ValueKind: JsonValueKind.Array } array)
        {
            yield break;
        }

        foreach (var block in array.EnumerateArray())
        {
            if (block.ValueKind == JsonValueKind.Object
                && block.TryGetProperty("text", out var text)
                && text.ValueKind == JsonValueKind.String
                && text.GetString() is { Length: > 0 } value)
            {
                yield return value;
            }
        }
    }
}
