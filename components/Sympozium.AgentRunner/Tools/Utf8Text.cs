using System.Text;

namespace Sympozium.AgentRunner.Tools;

/// <summary>Byte-based truncation that never splits a UTF-8 sequence (upstream cut mid-character).</summary>
internal static class Utf8Text
{
    /// <summary>Number of UTF-8 bytes of <paramref name="text"/>.</summary>
    public static int ByteCount(string text) => Encoding.UTF8.GetByteCount(text);

    /// <summary>
    /// The longest prefix of <paramref name="text"/> whose UTF-8 form has at most
    /// <paramref name="maxBytes"/> bytes; surrogate pairs stay whole.
    /// </summary>
    public static string Prefix(string text, int maxBytes)
    {
        if (maxBytes <= 0)
        {
            return "";
        }

        if (text.Length * 3 <= maxBytes || Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return text;
        }

        var bytes = 0;
        var i = 0;
        while (i < text.Length)
        {
            int width;
            int chars;
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                width = 4;
                chars = 2;
            }
            else
            {
                width = c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
                chars = 1;
            }

            if (bytes + width > maxBytes)
            {
                break;
            }

            bytes += width;
            i += chars;
        }

        return text[..i];
    }

    /// <summary>
    /// <paramref name="text"/> cut to <paramref name="maxBytes"/> UTF-8 bytes with
    /// <paramref name="marker"/> appended when anything was cut.
    /// </summary>
    public static string Truncate(string text, int maxBytes, string marker)
    {
        var prefix = Prefix(text, maxBytes);
        return prefix.Length == text.Length ? text : prefix + marker;
    }

    /// <summary>Decodes at most <paramref name="maxBytes"/> of <paramref name="bytes"/> without a torn last character.</summary>
    public static string DecodePrefix(ReadOnlySpan<byte> bytes, int maxBytes)
    {
        if (bytes.Length > maxBytes)
        {
            var end = Math.Max(maxBytes, 0);
            // Step back over continuation bytes (10xxxxxx) so the cut lands on a character start.
            var back = end;
            while (back > 0 && back > end - 4 && (bytes[back] & 0xC0) == 0x80)
            {
                back--;
            }

            bytes = bytes[..back];
        }

        return Encoding.UTF8.GetString(bytes);
    }
}
