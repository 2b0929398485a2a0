using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sympozium.LocalCluster.Storage;

namespace Sympozium.LocalCluster.Security;

/// <summary>The object a token is bound to (TokenRequest spec.boundObjectRef): the token dies with it.</summary>
internal sealed record TokenBinding(string Kind, string Name, string Uid);

/// <summary>A token issued by <see cref="ServiceAccountTokens.Issue"/>.</summary>
internal sealed record IssuedToken(string Token, DateTimeOffset ExpirationTimestamp);

/// <summary>
/// Issues and checks ServiceAccount tokens (the TokenRequest API and the kubelet's mounted
/// tokens). A token is a JWT with the claims Kubernetes puts in its bound tokens (iss, sub
/// system:serviceaccount:NS:NAME, aud, exp, kubernetes.io.{namespace, serviceaccount, pod|secret}),
/// signed HS256 with a key kept in DIR/sa.key, so tokens outlive a restart of the server. Nothing
/// is stored per token: a token is valid while it is unexpired, names an audience of the API
/// server, and its ServiceAccount (and bound object, if any) still exists with the same uid —
/// deleting the ServiceAccount revokes every token it was issued, as in Kubernetes.
/// </summary>
internal sealed class ServiceAccountTokens
{
    /// <summary>The issuer and the API server's audience, as a default kubeadm cluster has them.</summary>
    public const string Issuer = "https://kubernetes.default.svc.cluster.local";

    private static readonly string Header = Base64Url.EncodeToString("""{"alg":"HS256","typ":"JWT","kid":"sympozium-local"}"""u8);

    private readonly ObjectStore _store;
    private readonly byte[] _key;
    private readonly TimeProvider _time;

    internal ServiceAccountTokens(ObjectStore store, byte[] key, TimeProvider time)
    {
        _store = store;
        _key = key;
        _time = time;
    }

    /// <summary>The audiences the API server accepts (its --api-audiences).</summary>
    public static IReadOnlyList<string> ApiAudiences { get; } = [Issuer];

    /// <summary>Reads the signing key of DIR/sa.key, creating it (0600) on first start.</summary>
    public static ServiceAccountTokens LoadOrCreate(string directory, ObjectStore store, TimeProvider time)
    {
        var path = Path.Combine(directory, "sa.key");
        if (!File.Exists(path))
        {
            var temp = path + ".tmp";
            File.WriteAllText(temp, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            File.Move(temp, path, overwrite: true);
        }

        return new ServiceAccountTokens(store, Convert.FromHexString(File.ReadAllText(path).Trim()), time);
    }

    /// <summary>A token for <paramref name="serviceAccount"/> (a stored ServiceAccount) valid for <paramref name="lifetime"/>.</summary>
    public IssuedToken Issue(JsonObject serviceAccount, IReadOnlyList<string> audiences, TimeSpan lifetime, TokenBinding? binding)
    {
        var now = _time.GetUtcNow();
        var expires = DateTimeOffset.FromUnixTimeSeconds((now + lifetime).ToUnixTimeSeconds());
        var ns = ObjectMetadata.Namespace(serviceAccount) ?? "";
        var name = ObjectMetadata.Name(serviceAccount);
        var kubernetes = new JsonObject
        {
            ["namespace"] = ns,
            ["serviceaccount"] = new JsonObject { ["name"] = name, ["uid"] = ObjectMetadata.String(serviceAccount, "uid") },
        };
        if (binding is not null)
        {
            kubernetes[binding.Kind.ToLowerInvariant()] = new JsonObject { ["name"] = binding.Name, ["uid"] = binding.Uid };
        }

        var claims = new JsonObject
        {
            ["aud"] = new JsonArray([.. audiences.Select(a => (JsonNode)a)]),
            ["exp"] = expires.ToUnixTimeSeconds(),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["iss"] = Issuer,
            ["jti"] = Guid.NewGuid().ToString(),
            ["kubernetes.io"] = kubernetes,
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["sub"] = $"system:serviceaccount:{ns}:{name}",
        };
        var unsigned = Header + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        return new IssuedToken(unsigned + "." + Base64Url.EncodeToString(Sign(unsigned)), expires);
    }

    /// <summary>The identity of a valid token; null for anything else (unknown, forged, expired, revoked, for another audience).</summary>
    public UserInfo? Authenticate(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3 || parts[0] != Header)
        {
            return null;
        }

        byte[] signature;
        JsonObject claims;
        try
        {
            signature = Base64Url.DecodeFromChars(parts[2]);
            if (!CryptographicOperations.FixedTimeEquals(signature, Sign(parts[0] + "." + parts[1])))
            {
                return null;
            }

            claims = JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))?.AsObject() ?? throw new JsonException("no claims");
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
        {
            return null;
        }

        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        if (Long(claims["exp"]) is not { } exp || now >= exp || Long(claims["nbf"]) is { } nbf && now < nbf)
        {
            return null;
        }

        if (!(claims["aud"] as JsonArray ?? []).Any(a => ApiAudiences.Contains(a?.ToString() ?? "", StringComparer.Ordinal)))
        {
            return null;
        }

        var kubernetes = claims["kubernetes.io"];
        var ns = kubernetes?["namespace"]?.ToString() ?? "";
        var name = kubernetes?["serviceaccount"]?["name"]?.ToString() ?? "";
        var uid = kubernetes?["serviceaccount"]?["uid"]?.ToString() ?? "";
        if (!Alive("serviceaccounts", ns, name, uid, allowDeleting: false))
        {
            return null; // the ServiceAccount was deleted (or deleted and recreated): its tokens are revoked
        }

        var extra = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["authentication.kubernetes.io/credential-id"] = "JTI=" + claims["jti"],
        };
        foreach (var (kind, resource) in new[] { ("pod", "pods"), ("secret", "secrets") })
        {
            if (kubernetes?[kind] is JsonObject bound)
            {
                // A pod being deleted keeps its token through its graceful shutdown, as in Kubernetes.
                if (!Alive(resource, ns, bound["name"]?.ToString() ?? "", bound["uid"]?.ToString() ?? "", allowDeleting: kind == "pod"))
                {
                    return null;
                }

                if (kind == "pod")
                {
                    extra["authentication.kubernetes.io/pod-name"] = bound["name"]?.ToString() ?? "";
                    extra["authentication.kubernetes.io/pod-uid"] = bound["uid"]?.ToString() ?? "";
                }
            }
        }

        return UserInfo.ServiceAccount(ns, name, uid, extra);
    }

    private bool Alive(string resource, string ns, string name, string uid, bool allowDeleting) =>
        _store.TryGet(resource, ns, name) is { } obj
        && ObjectMetadata.String(obj, "uid") == uid
        && (allowDeleting || obj["metadata"]?["deletionTimestamp"] is null);

    private static long? Long(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<long>(out var n) ? n
        : long.TryParse(node?.ToString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) ? parsed : null;

    private byte[] Sign(string unsigned) => HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(unsigned));
}
