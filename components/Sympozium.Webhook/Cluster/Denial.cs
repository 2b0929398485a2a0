using Sympozium.Api.Kinds;

namespace Sympozium.Webhook.Cluster;

/// <summary>One admission denial under a policy: which object, and why.</summary>
public sealed record Denial(SympoziumPolicy Policy, string Kind, string? Namespace, string Name, string Message);

/// <summary>Where denials go so the policy controller can show them in the policy's status.</summary>
public interface IDenialRecorder
{
    /// <summary>Records without waiting; never throws (a lost record must not change the admission answer).</summary>
    void Record(Denial denial);
}
