using System.Text;

namespace Sympozium.EventBus;

/// <summary>
/// A JetStream key-value bucket: stream <c>KV_&lt;name&gt;</c> on subjects <c>$KV.&lt;name&gt;.&gt;</c>,
/// one value per key, entries expiring after <see cref="MaxAge"/>. The same layout the NATS
/// key-value API uses, so <c>nats kv</c> can read it. Created by whoever holds the rights to
/// create streams (<see cref="NatsEventBus.EnsureBucketAsync"/>, the controller); users only put
/// and get their own keys (<see cref="NatsEventBus.PutValueAsync"/>, <see cref="NatsEventBus.GetValueAsync"/>).
/// </summary>
/// <param name="Name">Bucket name (letters, digits, '-' and '_').</param>
/// <param name="MaxAge">How long an entry is kept after its last write.</param>
public sealed record KeyValueBucket(string Name, TimeSpan MaxAge)
{
    /// <summary>
    /// Which parts of a split channel reply were sent (docs/design/channels.md#outbound-delivery).
    /// Entries outlive the stream's events (24 h), so a redelivery always finds its progress.
    /// </summary>
    public static KeyValueBucket OutboundProgress { get; } = new("sympozium-outbound", TimeSpan.FromHours(25));

    /// <summary>The stream behind the bucket, <c>KV_&lt;name&gt;</c>.</summary>
    public string StreamName => "KV_" + Name;

    /// <summary>The subject a key is stored under, <c>$KV.&lt;name&gt;.&lt;key&gt;</c>.</summary>
    public string Subject(string key) => "$KV." + Name + "." + key;

    /// <summary>
    /// Joins <paramref name="tokens"/> into a key, one dot-separated token each. Every character
    /// a key token may not hold (anything but ASCII letters, digits, '-' and '_', so '.', '/' and
    /// '=' too) is written as '=' and two hex digits per UTF-8 byte; an empty token is <c>=</c>.
    /// Distinct tokens give distinct keys, and a token never spans a dot, so a permission on
    /// <c>$KV.&lt;name&gt;.&lt;first&gt;.&lt;second&gt;.&gt;</c> covers exactly the keys that start with those tokens.
    /// </summary>
    public static string Key(params ReadOnlySpan<string> tokens)
    {
        var key = new StringBuilder();
        Span<byte> bytes = stackalloc byte[4];
        foreach (var token in tokens)
        {
            ArgumentNullException.ThrowIfNull(token);
            if (key.Length > 0)
            {
                key.Append('.');
            }

            if (token.Length == 0)
            {
                key.Append('=');
                continue;
            }

            foreach (var rune in token.EnumerateRunes())
            {
                if (rune.IsAscii && (char.IsAsciiLetterOrDigit((char)rune.Value) || rune.Value is '-' or '_'))
                {
                    key.Append((char)rune.Value);
                    continue;
                }

                var length = rune.EncodeToUtf8(bytes);
                foreach (var b in bytes[..length])
                {
                    key.Append('=').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                }
            }
        }

        return key.ToString();
    }

    internal void Validate()
    {
        if (string.IsNullOrEmpty(Name) || Name != SubscriptionOptions.ConsumerName(Name))
        {
            throw new ArgumentException($"Bucket name '{Name}' may only hold letters, digits, '-' and '_'.");
        }

        if (MaxAge <= TimeSpan.Zero)
        {
            throw new ArgumentException($"Bucket {Name}: MaxAge must be positive, not {MaxAge}.");
        }
    }
}
