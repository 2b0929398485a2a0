using Sympozium.Api.Kinds;

namespace Sympozium.Webhook.Cluster;

/// <summary>The objects an admission decision reads. Null means the object does not exist.</summary>
public interface IClusterLookup
{
    ValueTask<SympoziumInstance?> GetInstanceAsync(string ns, string name, CancellationToken cancellationToken);

    ValueTask<SympoziumPolicy?> GetPolicyAsync(string ns, string name, CancellationToken cancellationToken);

    ValueTask<SkillPack?> GetSkillPackAsync(string ns, string name, CancellationToken cancellationToken);
}
