using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Sympozium.Channel.Slack;

/// <summary>Outcome of checking an Events API request's signature.</summary>
public enum SignatureCheck
{
    Valid,

    /// <summary>X-Slack-Request-Timestamp or X-Slack-Signature is absent or malformed.</summary>
    Missing,

    /// <summary>The timestamp is further than the tolerance from now (a replay).</summary>
    Stale,

    /// <summary>The HMAC does not match: not from Slack, or a different signing secret.</summary>
    Mismatch,
}

/// <summary>
/// Slack's request signing (v0): <c>X-Slack-Signature = "v0=" + hex(HMAC-SHA256(signing secret,
/// "v0:" + X-Slack-Request-Timestamp + ":" + raw body))</c>. Upstream accepted any request, so
/// anyone who found the URL could start agent runs. Pure.
/// </summary>
public static class SlackSignature
{
    public const string TimestampHeader = "X-Slack-Request-Timestamp";
    public const string SignatureHeader = "X-Slack-Signature";

    /// <summary>The signature header value for a body (what Slack sends, and what tests sign with).</summary>
    public static string Sign(string signingSecret, string timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(signingSecret);
        ArgumentNullException.ThrowIfNull(timestamp);
        return "v0=" + Convert.ToHexStringLower(Hash(signingSecret, timestamp, body));
    }

    /// <summary>Checks a request: fresh timestamp, then the HMAC compared in constant time.</summary>
    public static SignatureCheck Verify(
        string signingSecret,
        string? timestamp,
        string? signature,
        ReadOnlySpan<byte> body,
        DateTimeOffset now,
        TimeSpan tolerance)
    {
        ArgumentNullException.ThrowIfNull(signingSecret);
        if (timestamp is null || signature is null ||
            !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ||
            !signature.StartsWith("v0=", StringComparison.Ordinal))
        {
            return SignatureCheck.Missing;
        }

        if (Math.Abs(now.ToUnixTimeSeconds() - seconds) > tolerance.TotalSeconds)
        {
            return SignatureCheck.Stale;
        }

        byte[] given;
        try
        {
            given = Convert.FromHexString(signature.AsSpan(3));
        }
        catch (FormatException)
        {
            return SignatureCheck.Mismatch;
        }

        var expected = Hash(signingSecret, timestamp, body);
        return CryptographicOperations.FixedTimeEquals(expected, given) ? SignatureCheck.Valid : SignatureCheck.Mismatch;
    }

    private static byte[] Hash(string signingSecret, string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes("v0:" + timestamp + ":");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return HMACSHA256.HashData(Encoding.UTF8.GetBytes(signingSecret), message);
    }
}
