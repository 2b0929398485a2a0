using System.Text;

namespace Sympozium.EventBus.Credentials;

/// <summary>
/// One NATS user: its JWT (signed by the account's signing key), its nkey seed, the reply-inbox
/// prefix its permissions allow, and when it expires. <see cref="ToString"/> never prints the seed.
/// </summary>
public sealed record NatsUserCredentials(string Jwt, string Seed, string InboxPrefix, DateTimeOffset? Expires)
{
    /// <summary>
    /// The standard NATS credentials file (what <c>nsc</c> writes and every NATS client reads):
    /// the JWT and the seed between their BEGIN/END markers.
    /// </summary>
    public string ToCredsFile() =>
        "-----BEGIN NATS USER JWT-----\n" + Jwt + "\n------END NATS USER JWT------\n\n" +
        "************************* IMPORTANT *************************\n" +
        "NKEY Seed printed below can be used to sign and prove identity.\n" +
        "NKEYs are sensitive and should be treated as secrets.\n\n" +
        "-----BEGIN USER NKEY SEED-----\n" + Seed + "\n------END USER NKEY SEED------\n\n" +
        "*************************************************************\n";

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("InboxPrefix = ").Append(InboxPrefix).Append(", Expires = ").Append(Expires?.ToString("O") ?? "never");
        return true;
    }
}
