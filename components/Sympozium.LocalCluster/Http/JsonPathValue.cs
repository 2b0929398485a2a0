using System.Globalization;
using System.Text.Json.Nodes;

namespace Sympozium.LocalCluster.Http;

/// <summary>
/// Evaluates the JSONPath subset printer columns use: <c>.a.b</c>, <c>.a[0]</c>, <c>.a[*].b</c>
/// and <c>.a[?(@.type=="Ready")].status</c>. Returns every matching value.
/// </summary>
internal static class JsonPathValue
{
    public static IReadOnlyList<JsonNode> Select(JsonNode? root, string path)
    {
        var current = new List<JsonNode>();
        if (root is not null)
        {
            current.Add(root);
        }

        path = path.Trim().TrimStart('{').TrimEnd('}').TrimStart('$');
        var i = 0;
        while (i < path.Length && current.Count > 0)
        {
            if (path[i] == '.')
            {
                var end = i + 1;
                while (end < path.Length && path[end] is not ('.' or '['))
                {
                    end++;
                }

                var field = path[(i + 1)..end];
                current = current.Select(n => n is JsonObject o ? o[field] : null).OfType<JsonNode>().ToList();
                i = end;
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                if (end < 0)
                {
                    return [];
                }

                // A filter may hold ']' only inside quotes; CRD columns never do.
                var inner = path[(i + 1)..end];
                current = Index(current, inner);
                i = end + 1;
            }
            else
            {
                return [];
            }
        }

        return current;
    }

    /// <summary>The values joined by commas as kubectl prints them; "" when none.</summary>
    public static string Text(JsonNode? root, string path) =>
        string.Join(",", Select(root, path).Select(n => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : n.ToJsonString()));

    private static List<JsonNode> Index(List<JsonNode> nodes, string inner)
    {
        if (inner == "*")
        {
            return nodes.SelectMany(n => n is JsonArray a ? a.OfType<JsonNode>() : n is JsonObject o ? o.Select(p => p.Value).OfType<JsonNode>() : []).ToList();
        }

        if (int.TryParse(inner, NumberStyles.Integer, CultureInfo.InvariantCulture, out var index))
        {
            return nodes.Select(n => n is JsonArray a && index < a.Count && index >= -a.Count ? a[index < 0 ? a.Count + index : index] : null).OfType<JsonNode>().ToList();
        }

        if (inner.StartsWith("?(@.", StringComparison.Ordinal) && inner.EndsWith(')'))
        {
            var condition = inner[4..^1];
            var eq = condition.IndexOf("==", StringComparison.Ordinal);
            if (eq < 0)
            {
                return [];
            }

            var field = condition[..eq].Trim();
            var expected = condition[(eq + 2)..].Trim().Trim('"', '\'');
            return nodes.SelectMany(n => n is JsonArray a ? a.OfType<JsonNode>() : [])
                .Where(item => Text(item, "." + field) == expected)
                .ToList();
        }

        return [];
    }
}
