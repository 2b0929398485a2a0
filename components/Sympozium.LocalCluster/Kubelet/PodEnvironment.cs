using System.Text;
using System.Text.Json.Nodes;
using Sympozium.LocalCluster.Storage;

namespace Sympozium.LocalCluster.Kubelet;

/// <summary>A container's configuration cannot be built yet (CreateContainerConfigError): a missing ConfigMap, Secret or key.</summary>
internal sealed class ContainerConfigException(string message) : Exception(message)
{
    public ContainerConfigException()
        : this("container configuration error")
    {
    }

    public ContainerConfigException(string message, Exception inner)
        : this(message + ": " + inner.Message)
    {
    }
}

/// <summary>Environment of a container as Kubernetes builds it: envFrom, then env (later wins), $(VAR) expansion, downward API.</summary>
internal static class PodEnvironment
{
    public static Dictionary<string, string> Build(ObjectStore store, JsonObject pod, JsonObject container, string? podIp)
    {
        var ns = ObjectMetadata.Namespace(pod) ?? "default";
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in (container["envFrom"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var prefix = source["prefix"]?.ToString() ?? "";
            var (resource, reference) = source["configMapRef"] is JsonObject c ? ("configmaps", c) : ("secrets", source["secretRef"] as JsonObject);
            if (reference is null)
            {
                continue;
            }

            var data = Data(store, ns, resource, reference["name"]?.ToString() ?? "", Optional(reference));
            foreach (var (key, value) in data ?? [])
            {
                env[prefix + key] = value;
            }
        }

        foreach (var item in (container["env"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var name = item["name"]?.ToString() ?? "";
            if (item["valueFrom"] is JsonObject from)
            {
                if (ValueFrom(store, pod, container, ns, from, podIp) is { } value)
                {
                    env[name] = value;
                }
            }
            else
            {
                env[name] = Expand(item["value"]?.ToString() ?? "", env);
            }
        }

        return env;
    }

    private static string? ValueFrom(ObjectStore store, JsonObject pod, JsonObject container, string ns, JsonObject from, string? podIp)
    {
        if (from["fieldRef"] is JsonObject field)
        {
            var path = field["fieldPath"]?.ToString() ?? "";
            return path switch
            {
                "metadata.name" => ObjectMetadata.Name(pod),
                "metadata.namespace" => ns,
                "metadata.uid" => ObjectMetadata.String(pod, "uid"),
                "spec.nodeName" => pod["spec"]?["nodeName"]?.ToString(),
                "spec.serviceAccountName" => pod["spec"]?["serviceAccountName"]?.ToString() ?? "default",
                "status.podIP" or "status.podIPs" => podIp,
                "status.hostIP" or "status.hostIPs" => "127.0.0.1",
                _ when path.StartsWith("metadata.labels['", StringComparison.Ordinal) => Bracket(ObjectMetadata.Labels(pod), path),
                _ when path.StartsWith("metadata.annotations['", StringComparison.Ordinal) => Bracket(ObjectMetadata.StringMap(pod, "annotations"), path),
                _ => throw new ContainerConfigException($"unsupported fieldRef fieldPath \"{path}\""),
            };
        }

        if (from["resourceFieldRef"] is JsonObject resource)
        {
            return ResourceField(container, resource);
        }

        var (kind, resourceName, reference) = from["configMapKeyRef"] is JsonObject c ? ("ConfigMap", "configmaps", c) : ("Secret", "secrets", from["secretKeyRef"] as JsonObject);
        if (reference is null)
        {
            return null;
        }

        var optional = Optional(reference);
        var objName = reference["name"]?.ToString() ?? "";
        var key = reference["key"]?.ToString() ?? "";
        var data = Data(store, ns, resourceName, objName, optional);
        if (data is null)
        {
            return null;
        }

        if (data.TryGetValue(key, out var value))
        {
            return value;
        }

        return optional ? null : throw new ContainerConfigException($"couldn't find key {key} in {kind} {ns}/{objName}");
    }

    private static string? Bracket(IReadOnlyDictionary<string, string> map, string path)
    {
        var start = path.IndexOf("['", StringComparison.Ordinal) + 2;
        var key = path[start..path.LastIndexOf("']", StringComparison.Ordinal)];
        return map.TryGetValue(key, out var value) ? value : "";
    }

    internal static string ResourceField(JsonObject? container, JsonObject reference)
    {
        var resource = reference["resource"]?.ToString() ?? "";
        var parts = resource.Split('.', 2);
        var quantity = parts.Length == 2 ? container?["resources"]?[parts[0]]?[parts[1]]?.ToString() : null;
        if (quantity is null && parts is ["limits" or "requests", var kind])
        {
            // Unset limits report the node's allocatable, as Kubernetes does.
            return kind == "cpu" ? Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture) : kind == "memory" ? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes.ToString(System.Globalization.CultureInfo.InvariantCulture) : "0";
        }

        return quantity ?? "0";
    }

    private static bool Optional(JsonObject reference) => reference["optional"] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    /// <summary>The string data of a ConfigMap or Secret (decoded); null when absent and optional.</summary>
    internal static Dictionary<string, string>? Data(ObjectStore store, string ns, string resource, string name, bool optional)
    {
        var obj = store.TryGet(resource, ns, name);
        if (obj is null)
        {
            return optional ? null : throw new ContainerConfigException($"{(resource == "configmaps" ? "configmap" : "secret")} \"{name}\" not found");
        }

        return BinaryData(obj).ToDictionary(kv => kv.Key, kv => Encoding.UTF8.GetString(kv.Value), StringComparer.Ordinal);
    }

    /// <summary>Every key of a ConfigMap (data and binaryData) or Secret (data base64-decoded, stringData) as bytes.</summary>
    internal static Dictionary<string, byte[]> BinaryData(JsonObject obj)
    {
        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var secret = obj["kind"]?.ToString() == "Secret";
        foreach (var (key, value) in obj["data"] as JsonObject ?? [])
        {
            var text = value?.ToString() ?? "";
            result[key] = secret ? Convert.FromBase64String(text) : Encoding.UTF8.GetBytes(text);
        }

        foreach (var (key, value) in obj["binaryData"] as JsonObject ?? [])
        {
            result[key] = Convert.FromBase64String(value?.ToString() ?? "");
        }

        foreach (var (key, value) in obj["stringData"] as JsonObject ?? [])
        {
            result[key] = Encoding.UTF8.GetBytes(value?.ToString() ?? "");
        }

        return result;
    }

    /// <summary>Kubernetes' $(VAR) expansion: defined variables are replaced, $$ escapes, undefined references stay as written.</summary>
    public static string Expand(string input, IReadOnlyDictionary<string, string> env)
    {
        if (!input.Contains('$', StringComparison.Ordinal))
        {
            return input;
        }

        var output = new StringBuilder();
        for (var i = 0; i < input.Length; i++)
        {
            if (input[i] == '$' && i + 1 < input.Length)
            {
                if (input[i + 1] == '$')
                {
                    output.Append('$');
                    i++;
                    continue;
                }

                if (input[i + 1] == '(')
                {
                    var end = input.IndexOf(')', i + 2);
                    if (end > 0)
                    {
                        var name = input[(i + 2)..end];
                        if (env.TryGetValue(name, out var value))
                        {
                            output.Append(value);
                        }
                        else
                        {
                            output.Append(input, i, end - i + 1);
                        }

                        i = end;
                        continue;
                    }
                }
            }

            output.Append(input[i]);
        }

        return output.ToString();
    }
}
