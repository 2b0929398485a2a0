using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Sympozium.AgentRunner.Providers;

/// <summary>
/// Recovers an answer and Qwen-style tool calls
/// (<c>&lt;tool_call&gt;&lt;function=NAME&gt;&lt;parameter=K&gt;V&lt;/parameter&gt;…</c>) from a reasoning model's
/// <c>reasoning_content</c> when its <c>content</c> is empty.
/// </summary>
public static partial class ReasoningRecovery
{
    public sealed record Recovered(string Text, IReadOnlyList<ToolCall> ToolCalls);

    public static Recovered Recover(string reasoning)
    {
        ArgumentNullException.ThrowIfNull(reasoning);
        var calls = new List<ToolCall>();
        foreach (Match block in ToolCallBlock().Matches(reasoning))
        {
            var function = FunctionBlock().Match(block.Groups[1].Value);
            if (!function.Success)
            {
                continue;
            }

            var arguments = new JsonObject();
            foreach (Match parameter in ParameterBlock().Matches(function.Groups[2].Value))
            {
                arguments[parameter.Groups[1].Value.Trim()] = Coerce(parameter.Groups[2].Value.Trim());
            }

            calls.Add(new ToolCall($"qwen-recovered-{calls.Count}", function.Groups[1].Value.Trim(), arguments.ToJsonString()));
        }

        return new Recovered(CleanText(reasoning), calls);
    }

    /// <summary>Removes tool-call, think and tool-use blocks (an unclosed opening tag removes the rest), collapses blank runs.</summary>
    public static string CleanText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        // Source-generated patterns only: one built from a string at run time would pull the
        // regex parser and interpreter into the binary (size is start-up time under Native AOT).
        foreach (var (tag, block) in new[] { ("tool_call", ToolCallBlock()), ("think", ThinkBlock()), ("tool_use", ToolUseBlock()) })
        {
            text = block.Replace(text, "");
            var open = text.IndexOf($"<{tag}>", StringComparison.Ordinal);
            if (open >= 0)
            {
                text = text[..open];
            }

            text = text.Replace($"</{tag}>", "", StringComparison.Ordinal);
        }

        return BlankRuns().Replace(text, "\n\n").Trim();
    }

    private static JsonValue? Coerce(string value)
    {
        if (value is "true" or "false")
        {
            return JsonValue.Create(value == "true");
        }

        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && value.Any(char.IsAsciiDigit))
        {
            return JsonValue.Create(number);
        }

        return JsonValue.Create(value);
    }

    [GeneratedRegex("<tool_call>(.*?)</tool_call>", RegexOptions.Singleline)]
    private static partial Regex ToolCallBlock();

    [GeneratedRegex("<think>.*?</think>", RegexOptions.Singleline)]
    private static partial Regex ThinkBlock();

    [GeneratedRegex("<tool_use>.*?</tool_use>", RegexOptions.Singleline)]
    private static partial Regex ToolUseBlock();

    [GeneratedRegex(@"<function=([^>]+)>(.*?)</function>", RegexOptions.Singleline)]
    private static partial Regex FunctionBlock();

    [GeneratedRegex(@"<parameter=([^>]+)>(.*?)</parameter>", RegexOptions.Singleline)]
    private static partial Regex ParameterBlock();

    [GeneratedRegex(@"\n{3,}")]
    private static partial Regex BlankRuns();
}
