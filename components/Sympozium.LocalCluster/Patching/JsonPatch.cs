using System.Globalization;
using System.Text.Json.Nodes;

namespace Sympozium.LocalCluster.Patching;

/// <summary>JSON patch (RFC 6902): add, remove, replace, move, copy, test over JsonNode.</summary>
public static class JsonPatch
{
    /// <summary>Applies <paramref name="operations"/> to a copy of <paramref name="document"/>; throws <see cref="PatchException"/>.</summary>
    public static JsonNode Apply(JsonNode document, JsonNode operations)
    {
        ArgumentNullException.ThrowIfNull(document);
        if (operations is not JsonArray ops)
        {
            throw new PatchException("a JSON patch must be an array of operations");
        }

        var root = new JsonObject { ["$"] = document.DeepClone() };
        foreach (var node in ops)
        {
            if (node is not JsonObject op)
            {
                throw new PatchException("each JSON patch operation must be an object");
            }

            var kind = op["op"]?.GetValue<string>() ?? throw new PatchException("operation has no 'op'");
            var path = op["path"]?.GetValue<string>() ?? throw new PatchException($"{kind} operation has no 'path'");
            switch (kind)
            {
                case "add":
                    Add(root, path, Value(op, kind));
                    break;
                case "remove":
                    Remove(root, path);
                    break;
                case "replace":
                    Remove(root, path);
                    Add(root, path, Value(op, kind));
                    break;
                case "move":
                {
                    var from = op["from"]?.GetValue<string>() ?? throw new PatchException("move operation has no 'from'");
                    var value = Get(root, from);
                    Remove(root, from);
                    Add(root, path, value);
                    break;
                }

                case "copy":
                {
                    var from = op["from"]?.GetValue<string>() ?? throw new PatchException("copy operation has no 'from'");
                    Add(root, path, Get(root, from)?.DeepClone());
                    break;
                }

                case "test":
                    if (!JsonNode.DeepEquals(Get(root, path), Value(op, kind)))
                    {
                        throw new PatchException($"testing value {path} failed");
                    }

                    break;
                default:
                    throw new PatchException($"Unexpected kind: {kind}");
            }
        }

        return root["$"] ?? throw new PatchException("the patch removed the whole document");
    }

    private static JsonNode? Value(JsonObject op, string kind) =>
        op.TryGetPropertyValue("value", out var value) ? value?.DeepClone() : throw new PatchException($"{kind} operation does not have a value");

    private static (JsonNode Parent, string Last) Parent(JsonObject root, string path)
    {
        if (path.Length > 0 && path[0] != '/')
        {
            throw new PatchException($"path '{path}' must start with '/'");
        }

        var parts = path.Length == 0 ? [] : path[1..].Split('/').Select(p => p.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
        JsonNode current = root;
        var last = "$";
        foreach (var part in parts.Prepend("$").SkipLast(1))
        {
            current = Child(current, part) ?? throw new PatchException($"doc is missing path: {path}");
        }

        if (parts.Length > 0)
        {
            last = parts[^1];
        }

        return (parts.Length == 0 ? root : current, last);
    }

    private static JsonNode? Child(JsonNode node, string part) => node switch
    {
        JsonObject o => o[part],
        JsonArray a when int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
        _ => null,
    };

    private static JsonNode? Get(JsonObject root, string path)
    {
        var (parent, last) = Parent(root, path);
        return Child(parent, last) ?? throw new PatchException($"doc is missing path: {path}");
    }

    private static void Add(JsonObject root, string path, JsonNode? value)
    {
        var (parent, last) = Parent(root, path);
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i <= a.Count:
                a.Insert(i, value);
                break;
            default:
                throw new PatchException($"add operation does not apply: doc is missing path: \"{path}\"");
        }
    }

    private static void Remove(JsonObject root, string path)
    {
        var (parent, last) = Parent(root, path);
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(last):
                o.Remove(last);
                break;
            case JsonArray a when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count:
                a.RemoveAt(i);
                break;
            default:
                throw new PatchException($"remove operation does not apply: doc is missing path: \"{path}\"");
        }
    }
}

/// <summary>A patch that cannot be applied (the server answers 422, or 400 for a malformed patch).</summary>
public sealed class PatchException(string message) : Exception(message);
