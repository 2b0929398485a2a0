using System.Text.Json.Nodes;

namespace Sympozium.LocalCluster.Storage;

/// <summary>Small readers and writers of an object's metadata over JsonObject.</summary>
public static class ObjectMetadata
{
    public static JsonObject Meta(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        if (obj["metadata"] is JsonObject meta)
        {
            return meta;
        }

        meta = new JsonObject();
        obj["metadata"] = meta;
        return meta;
    }

    public static string? String(JsonObject obj, string field) =>
        obj["metadata"] is JsonObject meta && meta[field] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    public static string Name(JsonObject obj) => String(obj, "name") ?? "";

    public static string? Namespace(JsonObject obj) => String(obj, "namespace");

    public static long ResourceVersion(JsonObject obj) =>
        long.TryParse(String(obj, "resourceVersion"), out var rv) ? rv : 0;

    public static IReadOnlyDictionary<string, string> Labels(JsonObject obj) => StringMap(obj, "labels");

    public static IReadOnlyDictionary<string, string> StringMap(JsonObject obj, string field)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (obj["metadata"]?[field] is JsonObject labels)
        {
            foreach (var (key, value) in labels)
            {
                map[key] = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value?.ToJsonString() ?? "";
            }
        }

        return map;
    }

    public static List<string> Finalizers(JsonObject obj) =>
        obj["metadata"]?["finalizers"] is JsonArray array
            ? array.Select(f => f?.GetValue<string>() ?? "").Where(f => f.Length > 0).ToList()
            : [];

    /// <summary>Reads a dotted path (spec.nodeName) as a string; null when absent.</summary>
    public static string? PathString(JsonNode? node, string dottedPath)
    {
        foreach (var part in dottedPath.Split('.'))
        {
            node = node is JsonObject o ? o[part] : null;
        }

        return node switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => node.ToJsonString(),
        };
    }
}
