using System.Security.Cryptography;
using System.Text;

namespace Sympozium.Api.WellKnown;

/// <summary>
/// Names of the durable JetStream consumers restricted credentials own. The controller grants a
/// pod the right to create exactly these consumers (on exactly their filter subjects), so the
/// names are computed in one place for both.
/// </summary>
public static class NatsConsumers
{
    private const int MaxName = 200;

    /// <summary>The ipc-bridge's consumer of follow-up messages for one run (by uid: unique across namespaces).</summary>
    public static string RunFollowups(string runUid) => Name("ipc-bridge-followup-" + runUid);

    /// <summary>The ipc-bridge's consumer of tool results for one run.</summary>
    public static string RunExecResults(string runUid) => Name("ipc-bridge-exec-result-" + runUid);

    /// <summary>
    /// A channel pod's consumer of replies: <c>channel-&lt;type&gt;_&lt;namespace&gt;_&lt;instance&gt;</c>.
    /// '_' cannot occur in a Kubernetes name, so two instances never share a consumer (with '-'
    /// "a-b"/"c" and "a"/"b-c" would). Hashed when it would be too long.
    /// </summary>
    public static string ChannelOutbound(string ns, string instance, string channel) =>
        Name($"channel-{channel}_{ns}_{instance}");

    /// <summary>
    /// A valid consumer name from any text (<see cref="Sanitize"/>); longer than 200 characters,
    /// the end is replaced with a hash of the whole.
    /// </summary>
    public static string Name(string text)
    {
        var name = Sanitize(text);
        if (name.Length <= MaxName)
        {
            return name;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..16];
        return name[..(MaxName - 17)] + "-" + hash;
    }

    /// <summary>Characters other than letters, digits, '-' and '_' become '_' (a run id may contain '.').</summary>
    public static string Sanitize(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        var name = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_');
        }

        return name.ToString();
    }
}
