using System.Text.Json.Nodes;

namespace Sympozium.Api.Tests;

/// <summary>Dotted paths (<c>spec.skills[].name</c>) of schemas and values, for coverage checks.</summary>
internal static class SchemaPaths
{
    /// <summary>Every leaf of a schema (scalars, maps and lists of scalars), plus every object.</summary>
    public static IEnumerable<string> Leaves(JsonObject schema, string path)
    {
        if (schema["properties"] is JsonObject properties)
        {
            foreach (var (name, child) in properties)
            {
                var childPath = path.Length == 0 ? name : $"{path}.{name}";
                yield return childPath;
                foreach (var leaf in Leaves(child!.AsObject(), childPath))
                {
                    yield return leaf;
                }
            }
        }
        else if (schema["items"] is JsonObject items)
        {
            foreach (var leaf in Leaves(items, path + "[]"))
            {
                yield return leaf;
            }
        }
        else if (schema["additionalProperties"] is JsonObject values)
        {
            foreach (var leaf in Leaves(values, path + "{}"))
            {
                yield return leaf;
            }
        }
    }

    /// <summary>The paths a value sets, in the same notation.</summary>
    public static IEnumerable<string> OfValue(JsonNode? value, string path, JsonObject? schema = null)
    {
        switch (value)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj)
                {
                    var childPath = path.Length == 0 ? name : $"{path}.{name}";
                    yield return childPath;
                    foreach (var p in OfValue(child, childPath))
                    {
                        yield return p;
                    }

                    // Map entries are written as {} in schema paths.
                    foreach (var p in OfValue(child, path.Length == 0 ? name + "{}" : $"{path}{{}}"))
                    {
                        yield return p;
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    foreach (var p in OfValue(item, path + "[]"))
                    {
                        yield return p;
                    }
                }

                break;
        }

        _ = schema;
    }
}
