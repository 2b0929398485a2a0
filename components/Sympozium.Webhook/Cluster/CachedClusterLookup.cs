using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sympozium.Api.Kinds;
using Sympozium.Api.Meta;
using Sympozium.Api.Serialization;
using Sympozium.Kubernetes;
using Sympozium.Kubernetes.Cache;
using Sympozium.Kubernetes.Client;

namespace Sympozium.Webhook.Cluster;

/// <summary>
/// Instances, policies and SkillPacks from informer caches, so an admission costs no API round
/// trip. A cache miss (or a cache not yet synced) falls back to a live GET: an object created a
/// moment before the run that names it is never reported missing because the watch lags.
/// </summary>
public sealed class CachedClusterLookup : BackgroundService, IClusterLookup
{
    private readonly ResourceClient<SympoziumInstance> _instances;
    private readonly ResourceClient<SympoziumPolicy> _policies;
    private readonly ResourceClient<SkillPack> _skillPacks;
    private readonly Informer<SympoziumInstance> _instanceCache;
    private readonly Informer<SympoziumPolicy> _policyCache;
    private readonly Informer<SkillPack> _skillPackCache;

    public CachedClusterLookup(KubernetesConnection connection, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        var json = SympoziumJsonContext.Default;
        _instances = new(connection, ApiResource.For(KnownKinds.SympoziumInstance), ResourceSerializer.FromTypeInfo(json.SympoziumInstance));
        _policies = new(connection, ApiResource.For(KnownKinds.SympoziumPolicy), ResourceSerializer.FromTypeInfo(json.SympoziumPolicy));
        _skillPacks = new(connection, ApiResource.For(KnownKinds.SkillPack), ResourceSerializer.FromTypeInfo(json.SkillPack));
        var logger = loggers.CreateLogger("Sympozium.Webhook.Informer");
        _instanceCache = new(_instances, KeyOf, o => o.Metadata.ResourceVersion, logger);
        _policyCache = new(_policies, KeyOf, o => o.Metadata.ResourceVersion, logger);
        _skillPackCache = new(_skillPacks, KeyOf, o => o.Metadata.ResourceVersion, logger);
    }

    /// <summary>True once every cache has listed its kind.</summary>
    public bool HasSynced => _instanceCache.HasSynced && _policyCache.HasSynced && _skillPackCache.HasSynced;

    public ValueTask<SympoziumInstance?> GetInstanceAsync(string ns, string name, CancellationToken cancellationToken) =>
        GetAsync(_instanceCache, _instances, ns, name, cancellationToken);

    public ValueTask<SympoziumPolicy?> GetPolicyAsync(string ns, string name, CancellationToken cancellationToken) =>
        GetAsync(_policyCache, _policies, ns, name, cancellationToken);

    /// <summary>
    /// From the cache when it holds one; otherwise (none cached, cache not synced, or
    /// <paramref name="live"/>) a live list, so a default created a moment before the instance or
    /// run it governs is never missed because the watch lags: a miss here would admit an
    /// ungoverned object.
    /// </summary>
    public async ValueTask<IReadOnlyList<SympoziumPolicy>> ListDefaultPoliciesAsync(string ns, bool live, CancellationToken cancellationToken)
    {
        if (!live && _policyCache.HasSynced)
        {
            var cached = _policyCache.List().Where(p => p.Metadata.Namespace == ns && GoverningPolicy.IsNamespaceDefault(p)).ToList();
            if (cached.Count > 0)
            {
                return cached;
            }
        }

        return (await _policies.ListAsync(ns, GoverningPolicy.DefaultSelector, cancellationToken: cancellationToken).ConfigureAwait(false)).Items;
    }

    public ValueTask<SkillPack?> GetSkillPackAsync(string ns, string name, CancellationToken cancellationToken) =>
        GetAsync(_skillPackCache, _skillPacks, ns, name, cancellationToken);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(
            Task.Run(() => _instanceCache.RunAsync(stoppingToken), CancellationToken.None),
            Task.Run(() => _policyCache.RunAsync(stoppingToken), CancellationToken.None),
            Task.Run(() => _skillPackCache.RunAsync(stoppingToken), CancellationToken.None));

    private static async ValueTask<T?> GetAsync<T>(Informer<T> cache, ResourceClient<T> client, string ns, string name, CancellationToken cancellationToken)
        where T : class
    {
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }

        if (cache.HasSynced && cache.Get(new ObjectKey(ns, name)) is { } cached)
        {
            return cached;
        }

        return await client.GetAsync(ns, name, cancellationToken).ConfigureAwait(false);
    }

    private static ObjectKey KeyOf(IKubernetesObject o) => new(o.Metadata.Namespace, o.Metadata.Name ?? "");
}
