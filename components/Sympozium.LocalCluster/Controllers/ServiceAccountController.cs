using System.Text.Json.Nodes;
using Sympozium.LocalCluster.Storage;

namespace Sympozium.LocalCluster.Controllers;

/// <summary>
/// Kubernetes' serviceaccounts and root-ca-cert-publisher controllers: every active namespace has
/// a ServiceAccount named "default" (recreated if deleted), so pods that name no account can run,
/// and a ConfigMap kube-root-ca.crt holding the cluster CA (what kube-api-access projected volumes
/// copied from real clusters read). The server's bootstrap and the API's namespace create call
/// <see cref="EnsureNamespace"/> themselves, so a pod created right after its namespace never
/// races this controller and a fresh cluster makes no writes behind its clients' backs.
/// </summary>
internal sealed class ServiceAccountController(ObjectStore store, string? rootCaPem)
{
    public const string Resource = "serviceaccounts";
    public const string DefaultName = "default";
    public const string RootCaConfigMap = "kube-root-ca.crt";

    public void Reconcile()
    {
        var namespaces = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, ns) in store.All("namespaces"))
        {
            namespaces.Add(ObjectMetadata.Name(ns));
            if (!Objects.Deleting(ns))
            {
                EnsureNamespace(store, ObjectMetadata.Name(ns), rootCaPem);
            }
        }

        // One created while its namespace was being emptied outlives it: remove it.
        foreach (var (resource, name) in new[] { (Resource, DefaultName), ("configmaps", RootCaConfigMap) })
        {
            foreach (var (_, obj) in store.All(resource))
            {
                if (ObjectMetadata.Name(obj) == name && ObjectMetadata.Namespace(obj) is { } ns
                    && !namespaces.Contains(ns) && store.TryGet("namespaces", null, ns) is null)
                {
                    TryDelete(resource, ns, name);
                }
            }
        }
    }

    /// <summary>Creates NS/default and, given a CA, NS/kube-root-ca.crt unless they exist (or NS is gone or terminating).</summary>
    public static void EnsureNamespace(ObjectStore store, string ns, string? rootCaPem)
    {
        TryCreate(store, Resource, ns, DefaultName, null);
        if (rootCaPem is not null)
        {
            TryCreate(store, "configmaps", ns, RootCaConfigMap, new JsonObject { ["ca.crt"] = rootCaPem });
        }
    }

    private static void TryCreate(ObjectStore store, string resource, string ns, string name, JsonObject? data)
    {
        if (store.TryGet(resource, ns, name) is not null)
        {
            return;
        }

        var obj = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = resource == Resource ? "ServiceAccount" : "ConfigMap",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
        };
        if (data is not null)
        {
            obj["data"] = data;
        }

        try
        {
            store.Create(resource, obj);
        }
        catch (StoreException)
        {
            // Created meanwhile, or the namespace is gone or terminating.
        }
    }

    private void TryDelete(string resource, string ns, string name)
    {
        try
        {
            store.Delete(resource, ns, name);
        }
        catch (StoreException)
        {
        }
    }
}
