using Sympozium.Api.WellKnown;

namespace Sympozium.AgentRunner.Output;

/// <summary>
/// What the runner may put in its log. Log lines carry outside text (a command the model chose,
/// a provider's error body, a tool's error): each is kept on one line and cannot spell a result or
/// memory marker. URLs are logged without user info, query or fragment, where credentials and
/// signed tokens live (docs/design/agent-runner.md#result-and-markers).
/// </summary>
public static class LogSafeText
{
    /// <summary>
    /// <paramref name="message"/> on one line (CR and LF written as <c>\r</c>, <c>\n</c>) with every
    /// <c>__SYMPOZIUM_</c> written as <c>_ _SYMPOZIUM_</c>, so no marker can appear in the log.
    /// </summary>
    public static string Line(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message
            .Replace("\r", "\\r", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal)
            .Replace(LogMarkers.Prefix, "_ " + LogMarkers.Prefix[1..], StringComparison.Ordinal);
    }

    /// <summary>Scheme, host, port and path of <paramref name="uri"/>: no user info, query or fragment.</summary>
    public static string Url(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return uri.IsAbsoluteUri
            ? uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)
            : "(relative URL)";
    }

    /// <summary><see cref="Url(Uri)"/> of a URL given as text; text that is not an absolute URL is not logged.</summary>
    public static string Url(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? Url(uri) : "(not an absolute URL)";
}
