using System.Text.Json.Nodes;

namespace Sympozium.LocalCluster.Security;

/// <summary>
/// Who made a request, as the API server's authenticators report it (authentication.k8s.io/v1
/// UserInfo): the kubeconfig's admin, or a ServiceAccount through a token it was issued. The
/// local cluster authenticates but does not authorize: every identity may do everything (RBAC
/// objects are stored, never enforced). The identity reaches admission webhooks
/// (AdmissionReview request.userInfo) and SelfSubjectReview (kubectl auth whoami).
/// </summary>
internal sealed record UserInfo(string Username, string? Uid, IReadOnlyList<string> Groups, IReadOnlyDictionary<string, string>? Extra = null)
{
    /// <summary>The kubeconfig's bearer token: the same name and groups kubeadm gives its admin.</summary>
    public static UserInfo Admin { get; } = new("kubernetes-admin", null, ["kubeadm:cluster-admins", "system:authenticated"]);

    /// <summary>A ServiceAccount's identity: system:serviceaccount:NS:NAME with the groups Kubernetes gives it.</summary>
    public static UserInfo ServiceAccount(string ns, string name, string uid, IReadOnlyDictionary<string, string> extra) =>
        new($"system:serviceaccount:{ns}:{name}", uid, ["system:serviceaccounts", $"system:serviceaccounts:{ns}", "system:authenticated"], extra);

    public JsonObject ToJson()
    {
        var json = new JsonObject { ["username"] = Username };
        if (Uid is not null)
        {
            json["uid"] = Uid;
        }

        json["groups"] = new JsonArray([.. Groups.Select(g => (JsonNode)g)]);
        if (Extra is { Count: > 0 })
        {
            var extra = new JsonObject();
            foreach (var (key, value) in Extra)
            {
                extra[key] = new JsonArray(value);
            }

            json["extra"] = extra;
        }

        return json;
    }
}
