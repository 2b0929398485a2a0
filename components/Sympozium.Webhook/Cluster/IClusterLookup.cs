using Sympozium.Api.Kinds;

namespace Sympozium.Webhook.Cluster;

/// <summary>The objects an admission decision reads. Null means the object does not exist.</summary>
public interface IClusterLookup
{
    ValueTask<SympoziumInstance?> GetInstanceAsync(string ns, string name, CancellationToken cancellationToken);

    ValueTask<SympoziumPolicy?> GetPolicyAsync(string ns, string name, CancellationToken cancellationToken);

    /// <summary>
    /// The policies of <paramref name="ns"/> labelled as its default (docs/design/admission.md#which-policy-governs).
    /// With <paramref name="live"/> read from the API server, never from a cache.
    /// </summary>
    ValueTask<IReadOnlyList<SympoziumPolicy>> ListDefaultPoliciesAsync(string ns, bool live, CancellationToken cancellationToken);

    ValueTask<SkillPack?> GetSkillPackAsync(string ns, string name, CancellationToken cancellationToken);
}
