using System.Net;
using System.Text;

namespace Sympozium.AgentRunner.Tools.BuiltIn;

/// <summary>
/// Turns an HTML page into readable text for the model, like upstream's htmlToText: script,
/// style, head, noscript and svg content is dropped, block elements start new lines, table cells
/// are separated by tabs, entities are decoded and whitespace is collapsed. Unlike upstream, text
/// split by inline tags is not padded with spaces ("<b>4</b>2" stays "42"), cell tabs survive
/// the whitespace pass, and a self-closing <c>&lt;svg/&gt;</c> does not hide the rest of the page.
/// </summary>
internal static class HtmlToText
{
    private static readonly HashSet<string> Skipped = new(StringComparer.Ordinal) { "script", "style", "head", "noscript", "svg" };

    /// <summary>Blocks: a line break before and after (consecutive blocks end up a blank line apart).</summary>
    private static readonly HashSet<string> Blocks = new(StringComparer.Ordinal)
    {
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
        "section", "article", "header", "footer", "nav", "main", "aside", "figure", "figcaption",
        "details", "summary", "table", "ul", "ol", "dl", "form", "fieldset", "address", "body", "html",
    };

    /// <summary>Rows and items: each on its own line, without blank lines between them.</summary>
    private static readonly HashSet<string> Lines = new(StringComparer.Ordinal)
    {
        "tr", "li", "dt", "dd", "thead", "tbody", "tfoot", "caption", "option",
    };

    /// <summary>Elements whose content is not markup; the tokenizer jumps to their end tag.</summary>
    private static readonly HashSet<string> RawText = new(StringComparer.Ordinal)
    {
        "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript", "plaintext",
    };

    /// <summary>Raw-text elements whose content is shown (the rest is dropped, as browsers do).</summary>
    private static readonly HashSet<string> RawTextShown = new(StringComparer.Ordinal) { "textarea", "title", "xmp", "plaintext" };

    public static string Convert(string html)
    {
        ArgumentNullException.ThrowIfNull(html);
        var text = new StringBuilder(html.Length / 2);
        var skipDepth = 0;
        var i = 0;
        while (i < html.Length)
        {
            if (html[i] != '<')
            {
                var next = html.IndexOf('<', i);
                next = next < 0 ? html.Length : next;
                AppendText(text, html[i..next], skipDepth, decode: true);
                i = next;
                continue;
            }

            if (string.CompareOrdinal(html, i, "<!--", 0, 4) == 0)
            {
                var end = html.IndexOf("-->", i + 4, StringComparison.Ordinal);
                i = end < 0 ? html.Length : end + 3;
                continue;
            }

            if (i + 1 < html.Length && html[i + 1] is '!' or '?')
            {
                var end = html.IndexOf('>', i);
                i = end < 0 ? html.Length : end + 1;
                continue;
            }

            var closing = i + 1 < html.Length && html[i + 1] == '/';
            var nameStart = i + (closing ? 2 : 1);
            if (nameStart >= html.Length || !char.IsAsciiLetter(html[nameStart]))
            {
                AppendText(text, "<", skipDepth, decode: false);
                i++;
                continue;
            }

            var p = nameStart;
            while (p < html.Length && (char.IsAsciiLetterOrDigit(html[p]) || html[p] is '-' or ':'))
            {
                p++;
            }

            var name = html[nameStart..p].ToLowerInvariant();
            var tagEnd = FindTagEnd(html, p);
            var selfClosing = tagEnd > p && html[tagEnd - 1] == '/';
            i = tagEnd < html.Length ? tagEnd + 1 : html.Length;

            if (closing)
            {
                if (Skipped.Contains(name) && skipDepth > 0)
                {
                    skipDepth--;
                }

                if (skipDepth == 0)
                {
                    LineBreak(text, name);
                }

                continue;
            }

            if (Skipped.Contains(name) && !selfClosing)
            {
                skipDepth++;
            }

            if (skipDepth == 0)
            {
                if (name is "br" or "hr")
                {
                    text.Append('\n');
                }
                else if (name is "td" or "th")
                {
                    text.Append('\t');
                }
                else
                {
                    LineBreak(text, name);
                }
            }

            if (RawText.Contains(name) && !selfClosing)
            {
                var end = name == "plaintext" ? -1 : IndexOfEndTag(html, name, i);
                var content = html[i..(end < 0 ? html.Length : end)];
                if (RawTextShown.Contains(name))
                {
                    AppendText(text, content, skipDepth, decode: name is "textarea" or "title");
                }

                // The end tag itself is handled by the loop (it closes skipped elements).
                i = end < 0 ? html.Length : end;
            }
        }

        return Collapse(text.ToString());
    }

    private static void LineBreak(StringBuilder text, string name)
    {
        if (Blocks.Contains(name))
        {
            text.Append('\n');
        }
        else if (Lines.Contains(name) && !AtLineStart(text))
        {
            text.Append('\n');
        }
    }

    /// <summary>True when only spaces and tabs follow the last line break (the indentation of pretty-printed HTML).</summary>
    private static bool AtLineStart(StringBuilder text)
    {
        for (var k = text.Length - 1; k >= 0; k--)
        {
            if (text[k] == '\n')
            {
                return true;
            }

            if (text[k] is not (' ' or '\t'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Index of the <c>&gt;</c> ending a tag whose name ends at <paramref name="from"/>; quoted attribute values may hold <c>&gt;</c>.</summary>
    private static int FindTagEnd(string html, int from)
    {
        var quote = '\0';
        var previous = '\0';
        for (var p = from; p < html.Length; p++)
        {
            var c = html[p];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '"' or '\'' && previous == '=')
            {
                quote = c;
            }
            else if (c == '>')
            {
                return p;
            }

            if (!char.IsWhiteSpace(c))
            {
                previous = c;
            }
        }

        return html.Length;
    }

    private static int IndexOfEndTag(string html, string name, int from)
    {
        var marker = "</" + name;
        var p = from;
        while ((p = html.IndexOf(marker, p, StringComparison.OrdinalIgnoreCase)) >= 0)
        {
            var after = p + marker.Length;
            if (after >= html.Length || html[after] is '>' or '/' || char.IsWhiteSpace(html[after]))
            {
                return p;
            }

            p = after;
        }

        return -1;
    }

    private static void AppendText(StringBuilder text, string raw, int skipDepth, bool decode)
    {
        if (skipDepth > 0 || raw.Length == 0)
        {
            return;
        }

        var value = decode ? WebUtility.HtmlDecode(raw) : raw;
        var pendingSpace = false;
        foreach (var c in value)
        {
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = true;
                continue;
            }

            if (pendingSpace)
            {
                text.Append(' ');
                pendingSpace = false;
            }

            text.Append(c);
        }

        if (pendingSpace)
        {
            text.Append(' ');
        }
    }

    /// <summary>Per line: runs of spaces become one space, runs holding a tab one tab, ends trimmed; at most one blank line in a row.</summary>
    private static string Collapse(string text)
    {
        var result = new StringBuilder(text.Length);
        var blank = 0;
        foreach (var rawLine in text.Split('\n'))
        {
            var line = CollapseLine(rawLine);
            if (line.Length == 0)
            {
                blank++;
                if (blank == 1 && result.Length > 0)
                {
                    result.Append('\n');
                }

                continue;
            }

            blank = 0;
            result.Append(line).Append('\n');
        }

        return result.ToString().Trim();
    }

    private static string CollapseLine(string line)
    {
        var result = new StringBuilder(line.Length);
        var run = '\0';
        foreach (var c in line)
        {
            if (c is ' ' or '\t' || char.IsWhiteSpace(c))
            {
                run = c == '\t' || run == '\t' ? '\t' : ' ';
                continue;
            }

            if (run != '\0' && result.Length > 0)
            {
                result.Append(run);
            }

            run = '\0';
            result.Append(c);
        }

        return result.ToString();
    }
}
