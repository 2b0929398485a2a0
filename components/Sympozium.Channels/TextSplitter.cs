namespace Sympozium.Channels;

/// <summary>
/// Splits a reply that is longer than the platform allows (Telegram 4096 UTF-16 units) into
/// parts, at a line break if one is in the second half of the window, else at a space, else
/// hard (never inside a surrogate pair). Upstream sent long replies whole and Telegram rejected
/// them. Pure.
/// </summary>
public static class TextSplitter
{
    /// <summary>The parts, in order; one part when the text fits, none for an empty text.</summary>
    public static IReadOnlyList<string> Split(string text, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);
        if (text.Length <= maxLength)
        {
            return text.Length == 0 ? [] : [text];
        }

        var parts = new List<string>();
        var rest = text.AsSpan();
        while (rest.Length > maxLength)
        {
            var window = rest[..maxLength];
            var cut = window.LastIndexOf('\n');
            if (cut < maxLength / 2)
            {
                cut = window.LastIndexOfAny(' ', '\t');
            }

            int next;
            if (cut >= maxLength / 2)
            {
                next = cut + 1; // The separator itself is dropped.
            }
            else
            {
                cut = char.IsHighSurrogate(window[maxLength - 1]) ? maxLength - 1 : maxLength;
                next = cut;
            }

            var part = window[..cut].TrimEnd();
            if (!part.IsEmpty)
            {
                parts.Add(part.ToString());
            }

            rest = rest[next..].TrimStart('\n');
        }

        if (!rest.IsWhiteSpace())
        {
            parts.Add(rest.ToString());
        }

        return parts;
    }
}
