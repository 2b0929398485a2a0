using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Sympozium.LocalCluster.Resources;
using Sympozium.LocalCluster.Security;
using Sympozium.LocalCluster.Storage;

namespace Sympozium.LocalCluster.Http;

/// <summary>
/// The Kubernetes REST surface: authentication, routing of /api and /apis paths, and the
/// mapping of every failure to a Status. One partial file per concern: discovery, OpenAPI,
/// objects (CRUD and patch), watch, admission (schema handling), logs, tokens (TokenRequest,
/// SelfSubjectReview, the ServiceAccount admission of pods).
/// </summary>
internal sealed partial class KubeApi
{
    private readonly ObjectStore _store;
    private readonly ResourceRegistry _registry;
    private readonly LocalClusterOptions _options;
    private readonly byte[] _token;
    private readonly TimeProvider _time;
    private readonly Admission.WebhookDispatcher _webhooks;
    private readonly ServiceAccountTokens _tokens;
    private readonly string _caPem;

    public KubeApi(ObjectStore store, ResourceRegistry registry, LocalClusterOptions options, string token, ServiceAccountTokens tokens, string caPem, TimeProvider time)
    {
        _store = store;
        _registry = registry;
        _options = options;
        _token = Encoding.UTF8.GetBytes(token);
        _tokens = tokens;
        _caPem = caPem;
        _time = time;
        _webhooks = new Admission.WebhookDispatcher(store, registry);
    }

    public async Task HandleAsync(HttpContext context)
    {
        try
        {
            var path = context.Request.Path.Value ?? "/";
            if (path is "/healthz" or "/livez" or "/readyz")
            {
                context.Response.ContentType = "text/plain";
                await context.Response.WriteAsync("ok", context.RequestAborted).ConfigureAwait(false);
                return;
            }

            context.Items[ApiRequest.UserKey] = Authenticate(context.Request)
                ?? throw new ApiException(HttpStatusCode.Unauthorized, "Unauthorized", "Unauthorized");

            await RouteAsync(context, path).ConfigureAwait(false);
        }
        catch (ApiException e)
        {
            await WriteJsonAsync(context, e.Code, e.ToStatus()).ConfigureAwait(false);
        }
        catch (StoreException e)
        {
            var api = Translate(e);
            await WriteJsonAsync(context, api.Code, api.ToStatus()).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away (a watch ended); nothing to answer.
        }
#pragma warning disable CA1031 // Any other failure is a bug; the client still gets a Status, as from the real server.
        catch (Exception e) when (!context.Response.HasStarted)
#pragma warning restore CA1031
        {
            var status = ApiException.Status(HttpStatusCode.InternalServerError, "InternalError",
                $"Internal error occurred: {e.GetType().Name}: {e.Message}", null);
            await WriteJsonAsync(context, HttpStatusCode.InternalServerError, status).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Bearer tokens only: the kubeconfig's admin token, or a ServiceAccount token (TokenRequest,
    /// the kubelet's mounts). Null (401) for anything else, including expired and revoked tokens.
    /// Authentication only: no authorizer runs, so every identity may do everything.
    /// </summary>
    private UserInfo? Authenticate(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = header[7..].Trim();
        if (CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), _token))
        {
            return UserInfo.Admin;
        }

        return _tokens.Authenticate(token);
    }

    private Task RouteAsync(HttpContext context, string path)
    {
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        switch (segments)
        {
            case ["version"]:
                return WriteJsonAsync(context, HttpStatusCode.OK, VersionInfo());
            case ["api"]:
                return WriteJsonAsync(context, HttpStatusCode.OK, CoreVersions(context));
            case ["apis"]:
                return WriteJsonAsync(context, HttpStatusCode.OK, GroupList());
            case ["api", "v1"]:
                return WriteJsonAsync(context, HttpStatusCode.OK, ResourceList("", "v1"));
            case ["apis", var group]:
                return WriteJsonAsync(context, HttpStatusCode.OK, Group(group) ?? throw ApiException.PathNotFound());
            case ["apis", var group, var version]:
                return _registry.All.Any(t => t.Key.Group == group && t.Key.Version == version)
                    ? WriteJsonAsync(context, HttpStatusCode.OK, ResourceList(group, version))
                    : throw ApiException.PathNotFound();
            case ["apis", "authentication.k8s.io", "v1", "selfsubjectreviews"]:
                return ServeSelfSubjectReviewAsync(context);
            case ["openapi", "v2"]:
                return WriteJsonAsync(context, HttpStatusCode.OK, OpenApiV2());
            case ["openapi", "v3"]:
                return WriteJsonAsync(context, HttpStatusCode.OK, OpenApiV3Index());
            case ["openapi", "v3", .. var rest]:
                return WriteJsonAsync(context, HttpStatusCode.OK, OpenApiV3(string.Join('/', rest)) ?? throw ApiException.PathNotFound());
            case ["api", "v1", .. var rest]:
                return ServeAsync(context, ApiRequest.Resolve(_registry, "", "v1", rest));
            case ["apis", var group, var version, .. var rest]:
                return ServeAsync(context, ApiRequest.Resolve(_registry, group, version, rest));
            default:
                throw ApiException.PathNotFound();
        }
    }

    private static ApiException Translate(StoreException e)
    {
        var (group, plural) = SplitResource(e.Resource);
        var key = new ResourceKey(group, "", plural);
        return e.Kind switch
        {
            StoreErrorKind.NotFound => ApiException.NotFound(key, e.Name),
            StoreErrorKind.AlreadyExists => ApiException.AlreadyExists(key, e.Name),
            StoreErrorKind.Conflict when e.Message.Contains("forbidden", StringComparison.Ordinal) =>
                new ApiException(HttpStatusCode.Forbidden, "Forbidden", e.Message, new StatusDetails(e.Name, group, plural)),
            StoreErrorKind.Conflict => ApiException.Conflict(key, e.Name, e.Message),
            StoreErrorKind.Invalid => ApiException.Invalid(plural, group, e.Name, [new StatusCause("FieldValueRequired", e.Message, e.Field)]),
            StoreErrorKind.Gone => ApiException.Gone(e.Message),
            _ => ApiException.BadRequest(e.Message),
        };
    }

    private static (string Group, string Plural) SplitResource(string resource)
    {
        var dot = resource.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? ("", resource) : (resource[(dot + 1)..], resource[..dot]);
    }

    internal static async Task WriteJsonAsync(HttpContext context, HttpStatusCode code, JsonNode body)
    {
        context.Response.StatusCode = (int)code;
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        body.WriteTo(writer);
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }
}
