using System.Text.Json.Nodes;

namespace Sympozium.Webhook.Policies;

/// <summary>
/// The RFC 6902 JSON patch that turns one JSON document into another: objects are compared key
/// by key, anything else (arrays, values) is replaced whole. Small on purpose: the defaulter only
/// adds and sets fields.
/// </summary>
public static class JsonPatchBuilder
{
    public static JsonArray Diff(JsonObject before, JsonObject after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var operations = new JsonArray();
        DiffObjects(before, after, "", operations);
        return operations;
    }

    private static void DiffObjects(JsonObject before, JsonObject after, string path, JsonArray operations)
    {
        foreach (var (key, _) in before)
        {
            if (!after.ContainsKey(key))
            {
                operations.Add((JsonNode)new JsonObject { ["op"] = "remove", ["path"] = path + "/" + Escape(key) });
            }
        }

        foreach (var (key, value) in after)
        {
            var childPath = path + "/" + Escape(key);
            if (!before.TryGetPropertyValue(key, out var old))
            {
                operations.Add((JsonNode)new JsonObject { ["op"] = "add", ["path"] = childPath, ["value"] = value?.DeepClone() });
            }
            else if (old is JsonObject oldObject && value is JsonObject newObject)
            {
                DiffObjects(oldObject, newObject, childPath, operations);
            }
            else if (!JsonNode.DeepEquals(old, value))
            {
                operations.Add((JsonNode)new JsonObject { ["op"] = "replace", ["path"] = childPath, ["value"] = value?.DeepClone() });
            }
        }
    }

    /// <summary>JSON pointer escaping (RFC 6901): ~ becomes ~0, / becomes ~1 (label keys contain '/').</summary>
    public static string Escape(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
    }
}
