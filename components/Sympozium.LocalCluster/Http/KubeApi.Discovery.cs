using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Sympozium.LocalCluster.Resources;

namespace Sympozium.LocalCluster.Http;

// Legacy (unaggregated) discovery: /version, /api, /apis, /apis/<group>, /api/v1,
// /apis/<group>/<version>. kubectl 1.30+ asks /api and /apis for the aggregated form first
// (Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,...) and falls
// back to these documents when the answer's Content-Type is plain application/json.
internal sealed partial class KubeApi
{
    public const string KubernetesMinor = "32";

    private static JsonObject VersionInfo() => new()
    {
        ["major"] = "1",
        ["minor"] = KubernetesMinor,
        ["gitVersion"] = $"v1.{KubernetesMinor}.0-sympozium-local",
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2026-01-01T00:00:00Z",
        ["goVersion"] = "go1.23.0",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    private static JsonObject CoreVersions(HttpContext context) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject
        {
            ["clientCIDR"] = "0.0.0.0/0",
            ["serverAddress"] = context.Request.Host.Value,
        }),
    };

    private JsonObject GroupList()
    {
        var groups = new JsonArray();
        foreach (var (group, versions, preferred) in _registry.Groups())
        {
            groups.Add((JsonNode)GroupJson(group, versions, preferred));
        }

        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    private JsonObject? Group(string name)
    {
        var found = _registry.Groups().FirstOrDefault(g => g.Group == name);
        if (found.Group is null)
        {
            return null;
        }

        var json = GroupJson(found.Group, found.Versions, found.Preferred);
        json["kind"] = "APIGroup";
        json["apiVersion"] = "v1";
        return json;
    }

    private static JsonObject GroupJson(string group, IReadOnlyList<string> versions, string preferred)
    {
        var list = new JsonArray();
        foreach (var version in versions)
        {
            list.Add((JsonNode)new JsonObject { ["groupVersion"] = $"{group}/{version}", ["version"] = version });
        }

        return new JsonObject
        {
            ["name"] = group,
            ["versions"] = list,
            ["preferredVersion"] = new JsonObject { ["groupVersion"] = $"{group}/{preferred}", ["version"] = preferred },
        };
    }

    private JsonObject ResourceList(string group, string version)
    {
        var resources = new JsonArray();
        foreach (var type in _registry.All.Where(t => t.Key.Group == group && t.Key.Version == version))
        {
            var resource = new JsonObject
            {
                ["name"] = type.Key.Plural,
                ["singularName"] = type.Singular,
                ["namespaced"] = type.Namespaced,
                ["kind"] = type.Kind,
                ["verbs"] = new JsonArray([.. (type.Key.Plural == "namespaces"
                    ? ResourceType.AllVerbs.Where(v => v != "deletecollection")
                    : ResourceType.AllVerbs).Select(v => (JsonNode)v)]),
            };
            if (type.ShortNames.Count > 0)
            {
                resource["shortNames"] = new JsonArray([.. type.ShortNames.Select(s => (JsonNode)s)]);
            }

            if (type.Categories.Count > 0)
            {
                resource["categories"] = new JsonArray([.. type.Categories.Select(s => (JsonNode)s)]);
            }

            resource["storageVersionHash"] = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(type.Key.ToString())))[..11];
            resources.Add((JsonNode)resource);
            foreach (var sub in type.Subresources)
            {
                var entry = new JsonObject
                {
                    ["name"] = $"{type.Key.Plural}/{sub}",
                    ["singularName"] = "",
                    ["namespaced"] = type.Namespaced,
                    ["kind"] = type.Kind,
                    ["verbs"] = sub switch
                    {
                        "log" => new JsonArray("get"),
                        "finalize" => new JsonArray("update"),
                        "token" => new JsonArray("create"),
                        _ => new JsonArray("get", "patch", "update"),
                    },
                };
                if (sub == "scale")
                {
                    entry["group"] = "autoscaling";
                    entry["version"] = "v1";
                    entry["kind"] = "Scale";
                }
                else if (sub == "token")
                {
                    entry["group"] = "authentication.k8s.io";
                    entry["version"] = "v1";
                    entry["kind"] = "TokenRequest";
                }

                resources.Add((JsonNode)entry);
            }
        }

        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }
}
