using System.Text.Json.Nodes;

namespace Sympozium.Controller.Reconcilers;

/// <summary>
/// Desired versus actual, compared as JSON trees: does a live object still carry what we set
/// (ignoring what the API server added), and which merge patch turns one status into another.
/// </summary>
internal static class ObjectDiff
{
    /// <summary>
    /// True when every field set in <paramref name="desired"/> has the same value in
    /// <paramref name="actual"/>. Fields only the actual object has (server defaults, status) are
    /// ignored; arrays must have the same length and cover element by element, so a removed list
    /// entry counts as a difference.
    /// </summary>
    public static bool Covers(JsonNode? actual, JsonNode? desired)
    {
        switch (desired)
        {
            case null:
                return true;
            case JsonObject wanted:
                if (actual is not JsonObject have)
                {
                    return false;
                }

                foreach (var (key, value) in wanted)
                {
                    if (value is not null && (!have.TryGetPropertyValue(key, out var current) || !Covers(current, value)))
                    {
                        return false;
                    }
                }

                return true;
            case JsonArray wantedItems:
                if (actual is not JsonArray haveItems || haveItems.Count != wantedItems.Count)
                {
                    return false;
                }

                for (var i = 0; i < wantedItems.Count; i++)
                {
                    if (!Covers(haveItems[i], wantedItems[i]))
                    {
                        return false;
                    }
                }

                return true;
            default:
                return actual is JsonValue && JsonNode.DeepEquals(Reparse(actual), Reparse(desired));
        }
    }

    /// <summary>
    /// The JSON merge patch (RFC 7386) that turns <paramref name="from"/> into <paramref name="to"/>:
    /// changed fields, nested objects recursively, and null for fields to remove. Empty when they are equal.
    /// </summary>
    public static JsonObject MergePatch(JsonObject? from, JsonObject to)
    {
        ArgumentNullException.ThrowIfNull(to);
        var patch = new JsonObject();
        foreach (var (key, value) in to)
        {
            JsonNode? old = null;
            var present = from is not null && from.TryGetPropertyValue(key, out old);
            if (present && old is JsonObject oldObject && value is JsonObject newObject)
            {
                var nested = MergePatch(oldObject, newObject);
                if (nested.Count > 0)
                {
                    patch[key] = nested;
                }
            }
            else if (!present || !JsonNode.DeepEquals(Reparse(old), Reparse(value)))
            {
                patch[key] = value?.DeepClone();
            }
        }

        foreach (var (key, _) in from ?? [])
        {
            if (!to.ContainsKey(key))
            {
                patch[key] = null;
            }
        }

        return patch;
    }

    // Values built in memory (int, long, string) and parsed ones (JsonElement) compare equal only in one form.
    private static JsonNode? Reparse(JsonNode? node) => node is null ? null : JsonNode.Parse(node.ToJsonString());
}
