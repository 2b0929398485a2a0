using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Sympozium.LocalCluster.Storage;

namespace Sympozium.LocalCluster.Kubelet;

/// <summary>
/// Materializes a pod's volumes under POD_DIR/volumes/NAME (emptyDir, configMap, secret,
/// projected, downwardAPI), at the host path (hostPath) or under DIR/volumes/NS_CLAIM
/// (persistentVolumeClaim), and builds each container's root: POD_DIR/containers/NAME/root with
/// a symlink per volumeMount at its mountPath, so containers sharing a volume share its data.
/// ConfigMap and Secret contents are written once at pod start (no live updates); readOnly mounts are
/// not enforced (files of configMap/secret/projected volumes get their defaultMode, 0644 by default).
/// </summary>
internal static class PodVolumes
{
    public static Dictionary<string, string> Materialize(ObjectStore store, JsonObject pod, string podDirectory, string clusterDirectory, string? podIp)
    {
        var ns = ObjectMetadata.Namespace(pod) ?? "default";
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var volume in (pod["spec"]?["volumes"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var name = volume["name"]?.ToString() ?? "";
            var dir = Path.Combine(podDirectory, "volumes", name);
            if (volume["hostPath"] is JsonObject hostPath)
            {
                var path = hostPath["path"]?.ToString() ?? "/";
                if (hostPath["type"]?.ToString() == "DirectoryOrCreate")
                {
                    Directory.CreateDirectory(path);
                }

                result[name] = path;
                continue;
            }

            if (volume["persistentVolumeClaim"] is JsonObject claim)
            {
                dir = Path.Combine(clusterDirectory, "volumes", $"{ns}_{claim["claimName"]}");
                Directory.CreateDirectory(dir);
                result[name] = dir;
                continue;
            }

            Directory.CreateDirectory(dir);
            result[name] = dir;
            if (volume["configMap"] is JsonObject cm)
            {
                WriteSource(store, ns, "configmaps", cm, dir, Mode(cm["defaultMode"]));
            }
            else if (volume["secret"] is JsonObject secret)
            {
                var copy = secret.DeepClone().AsObject();
                copy["name"] = secret["secretName"]?.DeepClone();
                WriteSource(store, ns, "secrets", copy, dir, Mode(secret["defaultMode"]));
            }
            else if (volume["downwardAPI"] is JsonObject downward)
            {
                WriteDownward(pod, downward, dir, Mode(downward["defaultMode"]));
            }
            else if (volume["projected"] is JsonObject projected)
            {
                var mode = Mode(projected["defaultMode"]);
                foreach (var source in (projected["sources"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    if (source["configMap"] is JsonObject pcm)
                    {
                        WriteSource(store, ns, "configmaps", pcm, dir, mode);
                    }
                    else if (source["secret"] is JsonObject ps)
                    {
                        WriteSource(store, ns, "secrets", ps, dir, mode);
                    }
                    else if (source["downwardAPI"] is JsonObject pd)
                    {
                        WriteDownward(pod, pd, dir, mode);
                    }
                }
            }

            // emptyDir (and anything not listed): an empty directory.
        }

        _ = podIp;
        return result;
    }

    /// <summary>Builds the container's root with its mounts; returns the root.</summary>
    public static string ContainerRoot(JsonObject container, string podDirectory, IReadOnlyDictionary<string, string> volumes)
    {
        var root = Path.Combine(podDirectory, "containers", container["name"]?.ToString() ?? "", "root");
        Directory.CreateDirectory(root);
        var mounts = (container["volumeMounts"] as JsonArray ?? []).OfType<JsonObject>()
            .OrderBy(m => (m["mountPath"]?.ToString() ?? "").Length)
            .ToList();
        foreach (var mount in mounts)
        {
            var volume = mount["name"]?.ToString() ?? "";
            if (!volumes.TryGetValue(volume, out var source))
            {
                throw new ContainerConfigException($"volume \"{volume}\" of a volumeMount is not declared in the pod's volumes");
            }

            if (mount["subPath"]?.ToString() is { Length: > 0 } subPath)
            {
                source = Path.Combine(source, subPath);
                Directory.CreateDirectory(source);
            }

            var target = Path.Combine(root, (mount["mountPath"]?.ToString() ?? "/").TrimStart('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(target.TrimEnd('/'))!);
            var info = new FileInfo(target.TrimEnd('/'));
            if (info.LinkTarget is not null)
            {
                info.Delete();
            }
            else if (Directory.Exists(info.FullName))
            {
                Directory.Delete(info.FullName, recursive: true);
            }

            File.CreateSymbolicLink(info.FullName, source);
        }

        Directory.CreateDirectory(Path.Combine(root, "tmp"));
        return root;
    }

    private static UnixFileMode Mode(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<int>(out var mode) ? (UnixFileMode)mode : (UnixFileMode)Convert.ToInt32("644", 8);

    private static void WriteSource(ObjectStore store, string ns, string resource, JsonObject source, string dir, UnixFileMode mode)
    {
        var name = source["name"]?.ToString() ?? "";
        var optional = source["optional"] is JsonValue v && v.TryGetValue<bool>(out var b) && b;
        var obj = store.TryGet(resource, ns, name);
        if (obj is null)
        {
            if (optional)
            {
                return;
            }

            throw new ContainerConfigException($"MountVolume.SetUp failed: {(resource == "configmaps" ? "configmap" : "secret")} \"{name}\" not found");
        }

        var data = PodEnvironment.BinaryData(obj);
        if (source["items"] is JsonArray { Count: > 0 } items)
        {
            foreach (var item in items.OfType<JsonObject>())
            {
                var key = item["key"]?.ToString() ?? "";
                if (!data.TryGetValue(key, out var bytes))
                {
                    if (optional)
                    {
                        continue;
                    }

                    throw new ContainerConfigException($"MountVolume.SetUp failed: configuration key \"{key}\" not found in {resource[..^1]} {ns}/{name}");
                }

                Write(dir, item["path"]?.ToString() ?? key, bytes, item["mode"] is { } m ? Mode(m) : mode);
            }
        }
        else
        {
            foreach (var (key, bytes) in data)
            {
                Write(dir, key, bytes, mode);
            }
        }
    }

    private static void WriteDownward(JsonObject pod, JsonObject source, string dir, UnixFileMode mode)
    {
        foreach (var item in (source["items"] as JsonArray ?? []).OfType<JsonObject>())
        {
            string value;
            if (item["fieldRef"]?["fieldPath"]?.ToString() is { } path)
            {
                value = path switch
                {
                    "metadata.labels" => Pairs(ObjectMetadata.Labels(pod)),
                    "metadata.annotations" => Pairs(ObjectMetadata.StringMap(pod, "annotations")),
                    "metadata.name" => ObjectMetadata.Name(pod),
                    "metadata.namespace" => ObjectMetadata.Namespace(pod) ?? "",
                    "metadata.uid" => ObjectMetadata.String(pod, "uid") ?? "",
                    _ => ObjectMetadata.PathString(pod, path) ?? "",
                };
            }
            else if (item["resourceFieldRef"] is JsonObject resource)
            {
                var containerName = resource["containerName"]?.ToString();
                var container = (pod["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(c => c["name"]?.ToString() == containerName);
                value = PodEnvironment.ResourceField(container, resource);
            }
            else
            {
                continue;
            }

            Write(dir, item["path"]?.ToString() ?? "", Encoding.UTF8.GetBytes(value), item["mode"] is { } m ? Mode(m) : mode);
        }
    }

    private static string Pairs(IReadOnlyDictionary<string, string> map) =>
        string.Join('\n', map.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key}=\"{kv.Value}\"")));

    private static void Write(string dir, string relative, byte[] bytes, UnixFileMode mode)
    {
        var path = Path.GetFullPath(Path.Combine(dir, relative));
        if (!path.StartsWith(dir, StringComparison.Ordinal) || relative.Length == 0)
        {
            throw new ContainerConfigException($"invalid volume item path \"{relative}\"");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Delete(path); // a read-only file from an earlier run of the pod
        File.WriteAllBytes(path, bytes);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode | UnixFileMode.UserRead);
        }
    }
}
