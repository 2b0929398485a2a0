using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Sympozium.LocalCluster.Resources;
using Sympozium.LocalCluster.Security;
using Sympozium.LocalCluster.Storage;

namespace Sympozium.LocalCluster.Http;

// ServiceAccount credentials: POST serviceaccounts/NAME/token (TokenRequest, what `kubectl create
// token` and client libraries call), POST selfsubjectreviews (`kubectl auth whoami`), and the
// ServiceAccount admission of pods (spec.serviceAccountName defaults to "default" and must exist).
internal sealed partial class KubeApi
{
    private const long DefaultExpirationSeconds = 3600;
    private const long MinExpirationSeconds = 600;
    private const long MaxExpirationSeconds = 1L << 32;

    private async Task ServeTokenRequestAsync(HttpContext context, ApiRequest request)
    {
        if (context.Request.Method != "POST")
        {
            throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource");
        }

        var body = await ReadTokenRequestAsync(context).ConfigureAwait(false);
        var apiVersion = body["apiVersion"]?.ToString();
        var kind = body["kind"]?.ToString();
        if (!string.IsNullOrEmpty(apiVersion) && apiVersion != "authentication.k8s.io/v1"
            || !string.IsNullOrEmpty(kind) && kind != "TokenRequest")
        {
            throw ApiException.BadRequest($"the body of a serviceaccounts/token request must be an authentication.k8s.io/v1 TokenRequest, not {apiVersion} {kind}");
        }

        var ns = request.Namespace!;
        var name = request.Name!;
        var account = _store.TryGet("serviceaccounts", ns, name) ?? throw ApiException.NotFound(request.Type.Key, name);
        var spec = body["spec"] as JsonObject ?? new JsonObject();
        var seconds = spec["expirationSeconds"] is JsonValue e && e.TryGetValue<long>(out var s) ? s : DefaultExpirationSeconds;
        var causes = new List<StatusCause>();
        if (seconds < MinExpirationSeconds)
        {
            causes.Add(new StatusCause("FieldValueInvalid", $"Invalid value: {seconds}: may not specify a duration less than 10 minutes", "spec.expirationSeconds"));
        }
        else if (seconds > MaxExpirationSeconds)
        {
            causes.Add(new StatusCause("FieldValueInvalid", $"Invalid value: {seconds}: may not specify a duration larger than 2^32 seconds", "spec.expirationSeconds"));
        }

        var audiences = (spec["audiences"] as JsonArray ?? []).Select(a => a?.ToString() ?? "").Where(a => a.Length > 0).ToList();
        if (audiences.Count == 0)
        {
            audiences = [.. ServiceAccountTokens.ApiAudiences];
        }

        TokenBinding? binding = null;
        if (spec["boundObjectRef"] is JsonObject reference)
        {
            binding = Bind(reference, ns, causes);
        }

        if (causes.Count > 0)
        {
            throw ApiException.Invalid("TokenRequest", "authentication.k8s.io", name, causes);
        }

        var issued = _tokens.Issue(account, audiences, TimeSpan.FromSeconds(seconds), binding);
        var boundObjectRef = binding is null ? null : new JsonObject
        {
            ["kind"] = binding.Kind,
            ["apiVersion"] = "v1",
            ["name"] = binding.Name,
            ["uid"] = binding.Uid,
        };
        var response = new JsonObject
        {
            ["kind"] = "TokenRequest",
            ["apiVersion"] = "authentication.k8s.io/v1",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["creationTimestamp"] = Timestamp(_time.GetUtcNow()) },
            ["spec"] = new JsonObject
            {
                ["audiences"] = new JsonArray([.. audiences.Select(a => (JsonNode)a)]),
                ["expirationSeconds"] = seconds,
                ["boundObjectRef"] = boundObjectRef,
            },
            ["status"] = new JsonObject { ["token"] = issued.Token, ["expirationTimestamp"] = Timestamp(issued.ExpirationTimestamp) },
        };
        await WriteJsonAsync(context, HttpStatusCode.Created, response).ConfigureAwait(false);
    }

    /// <summary>The TokenRequest body: JSON or YAML, or protobuf as client-go's typed clients send it.</summary>
    private static async Task<JsonObject> ReadTokenRequestAsync(HttpContext context)
    {
        if (context.Request.ContentType?.StartsWith(ProtobufTokenRequest.ContentType, StringComparison.Ordinal) != true)
        {
            return await ReadBodyAsync(context).ConfigureAwait(false);
        }

        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        try
        {
            return ProtobufTokenRequest.Decode(buffer.ToArray());
        }
        catch (FormatException e)
        {
            throw ApiException.BadRequest($"the body of the request could not be decoded: {e.Message}");
        }
    }

    /// <summary>spec.boundObjectRef: a Pod or Secret of the namespace, with the uid it has now (409 if it names another).</summary>
    private TokenBinding? Bind(JsonObject reference, string ns, List<StatusCause> causes)
    {
        var kind = reference["kind"]?.ToString() ?? "";
        var resource = kind switch { "Pod" => "pods", "Secret" => "secrets", _ => null };
        if (resource is null)
        {
            causes.Add(new StatusCause("FieldValueNotSupported", $"Unsupported value: \"{kind}\": supported values: \"Pod\", \"Secret\"", "spec.boundObjectRef.kind"));
            return null;
        }

        var name = reference["name"]?.ToString() ?? "";
        var bound = _store.TryGet(resource, ns, name) ?? throw ApiException.NotFound(new ResourceKey("", "v1", resource), name);
        var uid = ObjectMetadata.String(bound, "uid") ?? "";
        if (reference["uid"]?.ToString() is { Length: > 0 } expected && expected != uid)
        {
            throw ApiException.Conflict(new ResourceKey("", "v1", resource), name,
                $"the UID in the bound object reference ({expected}) does not match the UID in record ({uid}). The object might have been deleted and then recreated");
        }

        return new TokenBinding(kind, name, uid);
    }

    private async Task ServeSelfSubjectReviewAsync(HttpContext context)
    {
        if (context.Request.Method != "POST")
        {
            throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource");
        }

        var user = context.Items[ApiRequest.UserKey] as UserInfo ?? UserInfo.Admin;
        var review = new JsonObject
        {
            ["kind"] = "SelfSubjectReview",
            ["apiVersion"] = "authentication.k8s.io/v1",
            ["metadata"] = new JsonObject { ["creationTimestamp"] = Timestamp(_time.GetUtcNow()) },
            ["status"] = new JsonObject { ["userInfo"] = user.ToJson() },
        };
        await WriteJsonAsync(context, HttpStatusCode.Created, review).ConfigureAwait(false);
    }

    /// <summary>
    /// Kubernetes' ServiceAccount admission plugin: a pod without spec.serviceAccountName runs as
    /// "default", and a pod naming a ServiceAccount that does not exist is refused (403). Pods the
    /// in-process controllers write skip this; the kubelet holds those until the account exists.
    /// </summary>
    private void AdmitServiceAccount(ApiRequest request, JsonObject body)
    {
        if (request.Type.Key is not { Group: "", Plural: "pods" } || body["spec"] is not JsonObject spec)
        {
            return;
        }

        var account = spec["serviceAccountName"]?.ToString() is { Length: > 0 } named ? named : "default";
        spec["serviceAccountName"] = account;
        if (_store.TryGet("serviceaccounts", request.Namespace, account) is null)
        {
            var name = ObjectMetadata.Name(body) is { Length: > 0 } n ? n : ObjectMetadata.String(body, "generateName") ?? "";
            throw new ApiException(HttpStatusCode.Forbidden, "Forbidden",
                $"pods \"{name}\" is forbidden: error looking up service account {request.Namespace}/{account}: serviceaccount \"{account}\" not found",
                new StatusDetails(name, "", "pods"));
        }
    }

    private static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
