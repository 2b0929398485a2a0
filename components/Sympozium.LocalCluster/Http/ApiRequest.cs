using Sympozium.LocalCluster.Resources;

namespace Sympozium.LocalCluster.Http;

/// <summary>A request path resolved to a served resource: /api/v1/namespaces/ns/pods/name/status.</summary>
internal sealed record ApiRequest(ResourceType Type, string? Namespace, string? Name, string? Subresource, bool LegacyWatch)
{
    public string StoreKey => ResourceRegistry.StoreKey(Type);

    /// <summary>The HTTP exchange (query parameters, warning headers); null for in-process calls.</summary>
    public Microsoft.AspNetCore.Http.HttpContext? Context { get; init; }

    /// <summary>Key of the authenticated <see cref="Security.UserInfo"/> in HttpContext.Items.</summary>
    public const string UserKey = "sympozium.user";

    /// <summary>Who sent the request; in-process calls act as the admin.</summary>
    public Security.UserInfo User => Context?.Items[UserKey] as Security.UserInfo ?? Security.UserInfo.Admin;

    /// <summary>
    /// Resolves the segments after /api or /apis (["v1","namespaces","ns","pods"] or
    /// ["apps","v1","deployments"]). Null when the path names no served resource.
    /// </summary>
    public static ApiRequest? Resolve(ResourceRegistry registry, string group, string version, string[] rest)
    {
        var watch = false;
        if (rest.Length > 0 && rest[0] == "watch")
        {
            watch = true;
            rest = rest[1..];
        }

        if (rest.Length == 0)
        {
            return null;
        }

        string? ns = null;
        if (rest[0] == "namespaces" && rest.Length >= 3 && registry.Find(group, version, rest[2]) is { Namespaced: true })
        {
            ns = rest[1];
            rest = rest[2..];
        }

        var type = registry.Find(group, version, rest[0]);
        if (type is null || rest.Length > 3)
        {
            return null;
        }

        var name = rest.Length > 1 ? rest[1] : null;
        var sub = rest.Length > 2 ? rest[2] : null;
        if (sub is not null && !type.Subresources.Contains(sub))
        {
            return null;
        }

        if (ns is not null && !type.Namespaced)
        {
            return null;
        }

        return new ApiRequest(type, ns, name, sub, watch);
    }
}
