using System.Text.Json.Nodes;

namespace Sympozium.LocalCluster.Patching;

/// <summary>
/// Strategic merge patch for the built-in kinds, the subset kubectl relies on: maps merge
/// recursively, null deletes, lists of named items (containers, initContainers, env, volumes,
/// volumeMounts, ports, imagePullSecrets...) merge by their key, other lists replace, and
/// <c>{"$patch": "delete"}</c> in a keyed list item removes it (<c>"$patch": "replace"</c> on a map
/// replaces it). Without the kinds' OpenAPI patch metadata the merge keys come from a table.
/// </summary>
public static class StrategicMergePatch
{
    private static readonly Dictionary<string, string> MergeKeys = new(StringComparer.Ordinal)
    {
        ["containers"] = "name",
        ["initContainers"] = "name",
        ["ephemeralContainers"] = "name",
        ["env"] = "name",
        ["volumes"] = "name",
        ["volumeMounts"] = "mountPath",
        ["volumeDevices"] = "devicePath",
        ["ports"] = "containerPort",
        ["imagePullSecrets"] = "name",
        ["conditions"] = "type",
        ["tolerations"] = "key",
        ["hostAliases"] = "ip",
        ["ownerReferences"] = "uid",
        ["topologySpreadConstraints"] = "topologyKey",
        ["resourceClaims"] = "name",
    };

    public static JsonNode? Apply(JsonNode? target, JsonNode? patch) => Merge(target, patch, parentKey: null);

    private static JsonNode? Merge(JsonNode? target, JsonNode? patch, string? parentKey)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        if (patchObject["$patch"]?.GetValue<string>() == "replace")
        {
            var replaced = patchObject.DeepClone().AsObject();
            replaced.Remove("$patch");
            return replaced;
        }

        var result = target is JsonObject targetObject ? targetObject.DeepClone().AsObject() : new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (key.StartsWith('$'))
            {
                continue; // $patch, $setElementOrder/..., $retainKeys: directives, not fields.
            }

            if (value is null)
            {
                result.Remove(key);
            }
            else if (value is JsonArray list && MergeKeys.TryGetValue(key, out var mergeKey) && (key != "ports" || parentKey != "spec" || IsContainerPorts(list)))
            {
                result[key] = MergeList(result[key] as JsonArray, list, mergeKey, key);
            }
            else
            {
                result[key] = Merge(result[key], value, key);
            }
        }

        return result;
    }

    // Service ports merge by "port", container ports by "containerPort".
    private static bool IsContainerPorts(JsonArray list) => list.All(i => i?["containerPort"] is not null);

    private static JsonArray MergeList(JsonArray? target, JsonArray patch, string mergeKey, string listName)
    {
        if (listName == "ports" && patch.Any(i => i?["containerPort"] is null && i?["port"] is not null))
        {
            mergeKey = "port";
        }

        var result = target is null ? new JsonArray() : target.DeepClone().AsArray();
        foreach (var item in patch)
        {
            if (item is not JsonObject patchItem || patchItem[mergeKey] is not { } keyValue)
            {
                result.Add(item?.DeepClone());
                continue;
            }

            var index = IndexOf(result, mergeKey, keyValue);
            if (patchItem["$patch"]?.GetValue<string>() == "delete")
            {
                if (index >= 0)
                {
                    result.RemoveAt(index);
                }

                continue;
            }

            if (index >= 0)
            {
                result[index] = Merge(result[index], patchItem, listName);
            }
            else
            {
                var added = patchItem.DeepClone().AsObject();
                added.Remove("$patch");
                result.Add((JsonNode)added);
            }
        }

        return result;
    }

    private static int IndexOf(JsonArray list, string mergeKey, JsonNode keyValue)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (JsonNode.DeepEquals(list[i]?[mergeKey], keyValue))
            {
                return i;
            }
        }

        return -1;
    }
}
