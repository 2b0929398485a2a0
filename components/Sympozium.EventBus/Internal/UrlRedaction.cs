namespace Sympozium.EventBus.Internal;

/// <summary>Strips credentials from NATS URLs (<c>nats://user:pass@host</c>) before they are logged.</summary>
internal static class UrlRedaction
{
    public static string Redact(string url)
    {
        // A server list is comma-separated; each entry may carry its own user information.
        return string.Join(',', url.Split(',').Select(RedactOne));
    }

    private static string RedactOne(string url)
    {
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        var start = scheme < 0 ? 0 : scheme + 3;
        var at = url.IndexOf('@', start);
        var slash = url.IndexOf('/', start);
        if (at < 0 || (slash >= 0 && slash < at))
        {
            return url;
        }

        return string.Concat(url.AsSpan(0, start), "***", url.AsSpan(at));
    }
}
