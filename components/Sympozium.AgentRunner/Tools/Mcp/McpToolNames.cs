using System.Text;

namespace Sympozium.AgentRunner.Tools.Mcp;

/// <summary>
/// Tool names as the providers accept them (<c>^[a-zA-Z0-9_-]{1,64}$</c> for OpenAI and
/// Anthropic). Upstream passed MCP names through unchanged, and one odd name (a dot, a slash)
/// made the provider reject every request of the run. The request file still carries the
/// manifest's own name, which is what the mcp-bridge knows.
/// </summary>
internal static class McpToolNames
{
    public const int MaxLength = 64;

    public static string Sanitize(string name)
    {
        var result = new StringBuilder(Math.Min(name.Length, MaxLength));
        foreach (var c in name)
        {
            if (result.Length == MaxLength)
            {
                break;
            }

            result.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_');
        }

        return result.ToString();
    }
}
