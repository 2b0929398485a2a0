using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sympozium.AgentRunner.Tools;

/// <summary>
/// Reads the model's tool arguments leniently: models send numbers as strings and ids as
/// numbers, and a wrong type counts as "not given" (as upstream's type assertions did).
/// </summary>
internal static class ToolArguments
{
    /// <summary>The argument as text: strings as they are, numbers and booleans as written; else null.</summary>
    public static string? String(JsonObject arguments, string name)
    {
        if (!arguments.TryGetPropertyValue(name, out var node) || node is not JsonValue value)
        {
            return null;
        }

        return value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.ToJsonString(),
            _ => null,
        };
    }

    /// <summary>The argument as a number (a JSON number or a numeric string); else null.</summary>
    public static double? Number(JsonObject arguments, string name)
    {
        if (!arguments.TryGetPropertyValue(name, out var node) || node is not JsonValue value)
        {
            return null;
        }

        return value.GetValueKind() switch
        {
            JsonValueKind.Number => value.GetValue<double>(),
            JsonValueKind.String when double.TryParse(value.GetValue<string>().Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
            _ => null,
        };
    }

    /// <summary>The argument as a whole number, truncated toward zero and clamped to int range; else null.</summary>
    public static int? Integer(JsonObject arguments, string name) =>
        Number(arguments, name) is { } d && !double.IsNaN(d)
            ? (int)Math.Clamp(Math.Truncate(d), int.MinValue, int.MaxValue)
            : null;

    /// <summary>The argument when it is a JSON object; else null.</summary>
    public static JsonObject? Object(JsonObject arguments, string name) =>
        arguments.TryGetPropertyValue(name, out var node) ? node as JsonObject : null;

    /// <summary>The argument as a list of strings (an array of strings, or one string); else null.</summary>
    public static IReadOnlyList<string>? StringList(JsonObject arguments, string name)
    {
        if (!arguments.TryGetPropertyValue(name, out var node))
        {
            return null;
        }

        return node switch
        {
            JsonArray array => array
                .OfType<JsonValue>()
                .Where(v => v.GetValueKind() == JsonValueKind.String)
                .Select(v => v.GetValue<string>())
                .ToList(),
            JsonValue v when v.GetValueKind() == JsonValueKind.String => [v.GetValue<string>()],
            _ => null,
        };
    }
}
