using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Sympozium.LocalCluster.Resources;

namespace Sympozium.LocalCluster.Http;

// OpenAPI for kubectl. kubectl 1.27+ reads /openapi/v3 (an index of group/version documents)
// and then /openapi/v3/apis/<group>/<version>: `kubectl explain` finds a kind's schema by its
// x-kubernetes-group-version-kind, and apply/create check that the PATCH operation of the kind
// declares the fieldValidation query parameter before relying on server-side validation.
// CRD kinds carry their openAPIV3Schema; built-ins a minimal object schema (they are stored
// schemaless), so explain on a built-in shows only apiVersion/kind/metadata/spec/status.
internal sealed partial class KubeApi
{
    private static JsonObject OpenApiV2() => new()
    {
        ["swagger"] = "2.0",
        ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = $"v1.{KubernetesMinor}.0" },
        ["paths"] = new JsonObject(),
        ["definitions"] = new JsonObject(),
    };

    private JsonObject OpenApiV3Index()
    {
        var paths = new JsonObject();
        foreach (var gv in _registry.All.Select(t => t.Key).Select(k => (k.Group, k.Version)).Distinct())
        {
            var name = DocumentName(gv.Group, gv.Version);
            var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(OpenApiV3(name)!.ToJsonString())));
            paths[name] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{name}?hash={hash}" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    private static string DocumentName(string group, string version) => group.Length == 0 ? $"api/{version}" : $"apis/{group}/{version}";

    private JsonObject? OpenApiV3(string documentName)
    {
        var types = _registry.All.Where(t => DocumentName(t.Key.Group, t.Key.Version) == documentName).ToList();
        if (types.Count == 0)
        {
            return null;
        }

        var schemas = new JsonObject();
        var paths = new JsonObject();
        foreach (var type in types)
        {
            var schemaName = SchemaName(type);
            var schema = type.Schema?.DeepClone().AsObject() ?? new JsonObject
            {
                ["type"] = "object",
                ["description"] = $"{type.Kind} (stored schemaless by the local cluster).",
                ["properties"] = new JsonObject
                {
                    ["apiVersion"] = new JsonObject { ["type"] = "string" },
                    ["kind"] = new JsonObject { ["type"] = "string" },
                    ["metadata"] = new JsonObject { ["type"] = "object" },
                    ["spec"] = new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true },
                    ["status"] = new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true },
                },
                ["x-kubernetes-preserve-unknown-fields"] = true,
            };
            schema["x-kubernetes-group-version-kind"] = new JsonArray(Gvk(type));
            schemas[schemaName] = schema;

            var prefix = "/" + DocumentName(type.Key.Group, type.Key.Version) + (type.Namespaced ? "/namespaces/{namespace}/" : "/") + type.Key.Plural;
            paths[prefix] = new JsonObject
            {
                ["get"] = Operation(type, "list", schemaName),
                ["post"] = Operation(type, "post", schemaName),
            };
            paths[prefix + "/{name}"] = new JsonObject
            {
                ["get"] = Operation(type, "get", schemaName),
                ["put"] = Operation(type, "put", schemaName),
                ["patch"] = Operation(type, "patch", schemaName),
                ["delete"] = Operation(type, "delete", schemaName),
            };
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = $"v1.{KubernetesMinor}.0" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }

    private static string SchemaName(ResourceType type)
    {
        var group = type.Key.Group.Length == 0 ? "io.k8s.api.core" : string.Join('.', type.Key.Group.Split('.').Reverse());
        return $"{group}.{type.Key.Version}.{type.Kind}";
    }

    private static JsonObject Gvk(ResourceType type) => new()
    {
        ["group"] = type.Key.Group,
        ["version"] = type.Key.Version,
        ["kind"] = type.Kind,
    };

    private static JsonObject Operation(ResourceType type, string verb, string schemaName)
    {
        var parameters = new JsonArray();
        if (verb is "post" or "put" or "patch")
        {
            parameters.Add((JsonNode)new JsonObject
            {
                ["name"] = "fieldValidation",
                ["in"] = "query",
                ["description"] = "Ignore, Warn or Strict: what to do with unknown or duplicate fields.",
                ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true },
            });
        }

        return new JsonObject
        {
            ["operationId"] = $"{verb}{type.Kind}",
            ["parameters"] = parameters,
            ["responses"] = new JsonObject
            {
                ["200"] = new JsonObject
                {
                    ["description"] = "OK",
                    ["content"] = new JsonObject
                    {
                        ["application/json"] = new JsonObject
                        {
                            ["schema"] = new JsonObject { ["$ref"] = $"#/components/schemas/{schemaName}" },
                        },
                    },
                },
            },
            ["x-kubernetes-action"] = verb,
            ["x-kubernetes-group-version-kind"] = Gvk(type),
        };
    }
}
