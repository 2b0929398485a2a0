using System.Text;
using Sympozium.Api.Messages;

namespace Sympozium.Controller.Channels;

/// <summary>
/// What the user reads when a channel run ends. Upstream answered only successes ("Error: …"
/// for an agent-reported error) and stayed silent when the controller failed a run
/// (docs/design/upstream-fixes.md#cp-8); here every ending gets one reply, and a failure reads as a
/// short sentence, not a log dump.
/// </summary>
public static class ReplyText
{
    /// <summary>Reply when a run ended without a response or an error.</summary>
    public const string NoResponse = "(no response)";

    /// <summary>Start of every failure reply.</summary>
    public const string FailurePrefix = "Sorry, the agent failed";

    /// <summary>Start of the reply to a message whose run was refused.</summary>
    public const string RefusalPrefix = "Your message could not be run";

    /// <summary>Longest failure reason quoted to the user (default: 300 characters).</summary>
    public const int MaxReasonLength = 300;

    /// <summary>For <c>agent.run.completed</c>: the response; else the error as a failure; else <see cref="NoResponse"/>.</summary>
    public static string ForCompleted(AgentResult? outcome)
    {
        if (!string.IsNullOrWhiteSpace(outcome?.Response))
        {
            return outcome.Response;
        }

        return !string.IsNullOrWhiteSpace(outcome?.Error) || outcome?.Status == AgentResult.Failure
            ? ForFailure(outcome?.Error)
            : NoResponse;
    }

    /// <summary>
    /// <c>Sorry, the agent failed: &lt;reason&gt;</c>, the reason on one line and cut to
    /// <see cref="MaxReasonLength"/> characters; without a reason, <c>Sorry, the agent failed.</c>
    /// </summary>
    public static string ForFailure(string? reason) => Sentence(FailurePrefix, reason);

    /// <summary>
    /// <c>Your message could not be run: &lt;reason&gt;</c>, for a message whose run admission
    /// refused (a policy, the schema); shortened like <see cref="ForFailure"/>.
    /// </summary>
    public static string ForRefusal(string? reason) => Sentence(RefusalPrefix, reason);

    private static string Sentence(string prefix, string? reason)
    {
        var line = OneLine(reason ?? "");
        if (line.Length == 0)
        {
            return prefix + ".";
        }

        if (line.Length > MaxReasonLength)
        {
            // Do not split a surrogate pair at the cut.
            var cut = MaxReasonLength - 1;
            if (char.IsHighSurrogate(line[cut - 1]))
            {
                cut--;
            }

            line = line[..cut].TrimEnd() + "…";
        }

        return prefix + ": " + line;
    }

    private static string OneLine(string text)
    {
        var line = new StringBuilder(Math.Min(text.Length, MaxReasonLength * 2));
        var space = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                space = line.Length > 0;
                continue;
            }

            if (space)
            {
                line.Append(' ');
                space = false;
            }

            line.Append(c);
            if (line.Length > MaxReasonLength * 2)
            {
                break;
            }
        }

        return line.ToString();
    }
}
