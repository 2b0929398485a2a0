using System.Text.Json;
using NATS.NKeys;

namespace Sympozium.EventBus.Credentials;

/// <summary>
/// Mints NATS user credentials with the account's signing key: a fresh user nkey per call, a
/// JWT carrying the permissions and the expiry, signed by the signing key on behalf of the
/// account. The server trusts it because the account's JWT lists the signing key; no server
/// configuration changes per user.
/// </summary>
public sealed class NatsCredentialIssuer
{
    /// <summary>File names inside the directory of <see cref="FromDirectory"/>.</summary>
    public const string SeedFile = "seed";
    public const string AccountFile = "account";

    private readonly string _signingSeed;
    private readonly TimeProvider _clock;

    public NatsCredentialIssuer(string signingSeed, string accountPublicKey, TimeProvider? clock = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(signingSeed);
        ArgumentException.ThrowIfNullOrEmpty(accountPublicKey);
        // A bad key fails here, at start-up, not at the first run.
        string? signingPublicKey = null;
        try
        {
            using var probe = KeyPair.FromSeed(signingSeed);
            if (probe.Prefix == PrefixByte.Account && KeyPair.IsValidPublicKey(PrefixByte.Account, accountPublicKey))
            {
                signingPublicKey = probe.GetPublicKey();
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            signingPublicKey = null;
        }

        if (signingPublicKey is null)
        {
            throw new FormatException("the NATS signing key must be an account seed (SA…) and the account an account public key (A…); re-create the Secret sympozium-nats-signing-key with the installer");
        }

        _signingSeed = signingSeed;
        SigningPublicKey = signingPublicKey;
        AccountPublicKey = accountPublicKey;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>The account every user is issued into.</summary>
    public string AccountPublicKey { get; }

    /// <summary>The signing key's public key: credentials minted with another key (a reinstall) are stale.</summary>
    public string SigningPublicKey { get; }

    /// <summary>
    /// Reads the signing key from a mounted Secret: <c>seed</c> (the signing key's seed) and
    /// <c>account</c> (the account's public key).
    /// </summary>
    /// <exception cref="FormatException">A file is missing or holds no key; the message names it.</exception>
    public static NatsCredentialIssuer FromDirectory(string directory, TimeProvider? clock = null)
    {
        string Read(string name)
        {
            var path = Path.Combine(directory, name);
            return File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } text
                ? text
                : throw new FormatException($"NATS signing key: {path} is missing or empty; mount the Secret sympozium-nats-signing-key (keys '{SeedFile}' and '{AccountFile}') there.");
        }

        return new NatsCredentialIssuer(Read(SeedFile), Read(AccountFile), clock);
    }

    /// <summary>Mints one user.</summary>
    /// <param name="name">Shown by the server (connz) and in its logs, e.g. <c>run team-a/hello</c>.</param>
    /// <param name="permissions">What the user may publish and subscribe to.</param>
    /// <param name="lifetime">How long the credentials are valid; null: until the account's keys change.</param>
    public NatsUserCredentials Issue(string name, NatsPermissions permissions, TimeSpan? lifetime)
    {
        ArgumentNullException.ThrowIfNull(permissions);
        using var signer = KeyPair.FromSeed(_signingSeed);
        using var user = KeyPair.CreatePair(PrefixByte.User);
        var now = _clock.GetUtcNow();
        DateTimeOffset? expires = lifetime is { } l ? now + l : null;
        var jwt = NatsJwt.Encode(signer, user.GetPublicKey(), name, now, expires, writer =>
        {
            WriteAllow(writer, "pub", permissions.Publish);
            WriteAllow(writer, "sub", permissions.Subscribe);
            writer.WriteNumber("subs", -1);
            writer.WriteNumber("data", -1);
            writer.WriteNumber("payload", -1);
            writer.WriteString("issuer_account", AccountPublicKey);
            writer.WriteString("type", "user");
            writer.WriteNumber("version", 2);
        });
        return new NatsUserCredentials(jwt, user.GetSeed(), permissions.InboxPrefix, expires);
    }

    private static void WriteAllow(Utf8JsonWriter writer, string name, IReadOnlyList<string> subjects)
    {
        writer.WriteStartObject(name);
        writer.WriteStartArray("allow");
        foreach (var subject in subjects)
        {
            writer.WriteStringValue(subject);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
