using System.Security.Cryptography;
using System.Text;

namespace Sympozium.Channel.WhatsApp;

/// <summary>
/// Meta's webhook signing: <c>X-Hub-Signature-256 = "sha256=" + hex(HMAC-SHA256(app secret, raw body))</c>,
/// compared in constant time. Pure.
/// </summary>
public static class WhatsAppSignature
{
    public const string Header = "X-Hub-Signature-256";
    private const string Prefix = "sha256=";

    /// <summary>The header value for a body (what Meta sends, and what tests sign with).</summary>
    public static string Sign(string appSecret, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(appSecret);
        return Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), body));
    }

    /// <summary>Whether <paramref name="header"/> is the signature of <paramref name="body"/>.</summary>
    public static bool IsValid(string appSecret, string? header, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(appSecret);
        if (header is null || !header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) || header.Length != Prefix.Length + 64)
        {
            return false;
        }

        byte[] given;
        try
        {
            given = Convert.FromHexString(header.AsSpan(Prefix.Length));
        }
        catch (FormatException)
        {
            return false;
        }

        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), body);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }
}
