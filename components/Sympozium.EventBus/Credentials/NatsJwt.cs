using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using NATS.NKeys;

namespace Sympozium.EventBus.Credentials;

/// <summary>
/// Encodes the JWTs of NATS decentralized authentication: <c>base64url(header).base64url(claims)
/// .base64url(ed25519 signature)</c>, header <c>{"typ":"JWT","alg":"ed25519-nkey"}</c>, claims
/// version 2 (<c>jti</c>, <c>iat</c>, <c>iss</c>, <c>name</c>, <c>sub</c>, optional <c>exp</c>,
/// and the kind-specific <c>nats</c> object). The server verifies the signature against the
/// issuer's public key; <c>jti</c> is only an identifier (here a hash of the claims).
/// </summary>
internal static class NatsJwt
{
    private static readonly string Header = Base64Url("""{"typ":"JWT","alg":"ed25519-nkey"}"""u8);

    /// <summary>Signs claims written by <paramref name="writeNats"/> (the <c>nats</c> object's members) with <paramref name="issuer"/>.</summary>
    public static string Encode(
        KeyPair issuer,
        string subject,
        string name,
        DateTimeOffset issuedAt,
        DateTimeOffset? expires,
        Action<Utf8JsonWriter> writeNats)
    {
        var withoutId = Claims(issuer.GetPublicKey(), subject, name, issuedAt, expires, writeNats, id: null);
        var id = Base32(SHA256.HashData(withoutId));
        var claims = Claims(issuer.GetPublicKey(), subject, name, issuedAt, expires, writeNats, id);
        var signed = Header + "." + Base64Url(claims);
        var signature = new byte[64];
        issuer.Sign(Encoding.ASCII.GetBytes(signed), signature);
        return signed + "." + Base64Url(signature);
    }

    private static byte[] Claims(string issuer, string subject, string name, DateTimeOffset issuedAt, DateTimeOffset? expires, Action<Utf8JsonWriter> writeNats, string? id)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            if (id is not null)
            {
                writer.WriteString("jti", id);
            }

            writer.WriteNumber("iat", issuedAt.ToUnixTimeSeconds());
            writer.WriteString("iss", issuer);
            writer.WriteString("name", name);
            writer.WriteString("sub", subject);
            if (expires is { } exp)
            {
                writer.WriteNumber("exp", exp.ToUnixTimeSeconds());
            }

            writer.WriteStartObject("nats");
            writeNats(writer);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static string Base64Url(ReadOnlySpan<byte> data) =>
        Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Base32(byte[] data)
    {
        var chars = new char[NATS.NKeys.Base32.GetEncodedLength(data)];
        NATS.NKeys.Base32.ToBase32(data, chars);
        return new string(chars).TrimEnd('=');
    }
}
