using System.Text;
using System.Text.Json.Nodes;
using Sympozium.LocalCluster.Security;
using Sympozium.LocalCluster.Storage;

namespace Sympozium.LocalCluster.Kubelet;

/// <summary>
/// A pod's ServiceAccount credentials, as the ServiceAccount admission plugin and the kubelet
/// provide them: the account (spec.serviceAccountName, default "default") must exist, else the
/// pod waits with CreateContainerConfigError naming it; unless automountServiceAccountToken is
/// false (pod spec first, then the ServiceAccount), POD_DIR/serviceaccount/{token,ca.crt,namespace}
/// appears in every container at /var/run/secrets/kubernetes.io/serviceaccount (under
/// SYMPOZIUM_ROOT), files read-only (token 0400, the others 0444); projected volumes'
/// serviceAccountToken sources get a token file too. Tokens are bound to the pod and last a
/// year (Kubernetes' extended kube-api-access expiry), so they hold for the pod's lifetime and
/// are never refreshed; they stop working when the pod or the ServiceAccount is deleted.
/// </summary>
internal static class ServiceAccountCredentials
{
    public const string MountPath = "/var/run/secrets/kubernetes.io/serviceaccount";

    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(365);
    private static readonly UnixFileMode OwnerRead = UnixFileMode.UserRead;
    private static readonly UnixFileMode AllRead = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>The pod's ServiceAccount name, defaulted as the admission plugin does.</summary>
    public static string AccountName(JsonObject pod) =>
        pod["spec"]?["serviceAccountName"]?.ToString() is { Length: > 0 } name ? name
        : pod["spec"]?["serviceAccount"]?.ToString() is { Length: > 0 } legacy ? legacy
        : "default";

    /// <summary>The pod's ServiceAccount; <see cref="ContainerConfigException"/> naming it when it does not exist.</summary>
    public static JsonObject Account(ObjectStore store, JsonObject pod)
    {
        var ns = ObjectMetadata.Namespace(pod) ?? "default";
        var name = AccountName(pod);
        return store.TryGet("serviceaccounts", ns, name)
            ?? throw new ContainerConfigException($"error looking up service account {ns}/{name}: serviceaccount \"{name}\" not found");
    }

    /// <summary>
    /// Writes the pod's tokens; returns the directory to mount at <see cref="MountPath"/>, or null
    /// when the token is not automounted. Throws <see cref="ContainerConfigException"/> when the
    /// ServiceAccount does not exist.
    /// </summary>
    public static string? Materialize(ApiServerAccess api, ObjectStore store, JsonObject pod, string podDirectory, IReadOnlyDictionary<string, string> volumes)
    {
        var ns = ObjectMetadata.Namespace(pod) ?? "default";
        var account = Account(store, pod);
        var binding = new TokenBinding("Pod", ObjectMetadata.Name(pod), ObjectMetadata.String(pod, "uid") ?? "");
        foreach (var volume in (pod["spec"]?["volumes"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (volume["projected"] is not JsonObject projected || !volumes.TryGetValue(volume["name"]?.ToString() ?? "", out var dir))
            {
                continue;
            }

            var mode = projected["defaultMode"] is JsonValue m && m.TryGetValue<int>(out var bits) ? (UnixFileMode)bits : AllRead | UnixFileMode.UserWrite;
            foreach (var source in (projected["sources"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (source["serviceAccountToken"] is JsonObject request)
                {
                    IReadOnlyList<string> audiences = request["audience"]?.ToString() is { Length: > 0 } audience ? [audience] : ServiceAccountTokens.ApiAudiences;
                    var token = api.Tokens.Issue(account, audiences, Lifetime, binding).Token;
                    var path = request["path"]?.ToString() ?? "token";
                    var full = Path.GetFullPath(Path.Combine(dir, path));
                    if (!full.StartsWith(dir, StringComparison.Ordinal) || path.Length == 0)
                    {
                        throw new ContainerConfigException($"invalid serviceAccountToken path \"{path}\" in volume \"{volume["name"]}\"");
                    }

                    Write(full, token, mode);
                }
            }
        }

        var automount = pod["spec"]?["automountServiceAccountToken"] as JsonValue ?? account["automountServiceAccountToken"] as JsonValue;
        if (automount is not null && automount.TryGetValue<bool>(out var mount) && !mount)
        {
            return null;
        }

        var target = Path.Combine(podDirectory, "serviceaccount");
        Directory.CreateDirectory(target);
        Write(Path.Combine(target, "token"), api.Tokens.Issue(account, ServiceAccountTokens.ApiAudiences, Lifetime, binding).Token, OwnerRead);
        Write(Path.Combine(target, "ca.crt"), api.CaPem, AllRead);
        Write(Path.Combine(target, "namespace"), ns, AllRead);
        return target;
    }

    /// <summary>Links <paramref name="source"/> at <see cref="MountPath"/> in a container's root, unless the container mounts a volume there itself.</summary>
    public static void Mount(JsonObject container, string root, string source)
    {
        if ((container["volumeMounts"] as JsonArray ?? []).OfType<JsonObject>().Any(m => (m["mountPath"]?.ToString() ?? "").TrimEnd('/') == MountPath))
        {
            return;
        }

        var link = new FileInfo(Path.Combine(root, MountPath.TrimStart('/')));
        Directory.CreateDirectory(link.DirectoryName!);
        if (link.LinkTarget is not null)
        {
            link.Delete();
        }
        else if (Directory.Exists(link.FullName))
        {
            Directory.Delete(link.FullName, recursive: true);
        }

        File.CreateSymbolicLink(link.FullName, source);
    }

    private static void Write(string path, string content, UnixFileMode mode)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Delete(path); // read-only from an earlier start of the pod
        File.WriteAllBytes(path, Encoding.UTF8.GetBytes(content));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }
}
