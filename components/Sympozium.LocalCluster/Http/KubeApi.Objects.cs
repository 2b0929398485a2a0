using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Sympozium.Api.Serialization;
using Sympozium.LocalCluster.Controllers;
using Sympozium.LocalCluster.Patching;
using Sympozium.LocalCluster.Storage;

namespace Sympozium.LocalCluster.Http;

// CRUD and patch on a resolved resource path.
internal sealed partial class KubeApi
{
    private async Task ServeAsync(HttpContext context, ApiRequest? request)
    {
        if (request is null)
        {
            throw ApiException.PathNotFound();
        }

        request = request with { Context = context };
        var http = context.Request;
        if (http.Query.ContainsKey("dryRun"))
        {
            throw ApiException.BadRequest("dryRun is not supported by the local cluster");
        }

        if (request.Subresource == "log")
        {
            await ServeLogAsync(context, request).ConfigureAwait(false);
            return;
        }

        if (request.Subresource == "token")
        {
            await ServeTokenRequestAsync(context, request).ConfigureAwait(false);
            return;
        }

        var watch = request.LegacyWatch || http.Query["watch"] is { Count: > 0 } w && w[0] is "true" or "1";
        switch (http.Method)
        {
            case "GET" when request.Name is null || watch:
                if (watch)
                {
                    await WatchAsync(context, request).ConfigureAwait(false);
                }
                else
                {
                    await ListAsync(context, request).ConfigureAwait(false);
                }

                return;
            case "GET":
                await RespondObjectAsync(context, request, HttpStatusCode.OK, Scale(request, _store.Get(request.StoreKey, request.Namespace, request.Name))).ConfigureAwait(false);
                return;
            case "POST" when request.Name is null:
                await RespondObjectAsync(context, request, HttpStatusCode.Created, await CreateAsync(request, await ReadBodyAsync(context).ConfigureAwait(false)).ConfigureAwait(false)).ConfigureAwait(false);
                return;
            case "PUT" when request.Name is not null:
                await RespondObjectAsync(context, request, HttpStatusCode.OK, await ReplaceAsync(request, await ReadBodyAsync(context).ConfigureAwait(false)).ConfigureAwait(false)).ConfigureAwait(false);
                return;
            case "PATCH" when request.Name is not null:
                await RespondObjectAsync(context, request, HttpStatusCode.OK, await PatchAsync(context, request).ConfigureAwait(false)).ConfigureAwait(false);
                return;
            case "DELETE" when request.Name is not null:
                await RespondObjectAsync(context, request, HttpStatusCode.OK, await DeleteAsync(request, await ReadOptionalBodyAsync(context).ConfigureAwait(false)).ConfigureAwait(false)).ConfigureAwait(false);
                return;
            case "DELETE":
                await DeleteCollectionAsync(context, request).ConfigureAwait(false);
                return;
            default:
                throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource");
        }
    }

    private async Task ListAsync(HttpContext context, ApiRequest request)
    {
        var options = ParseListOptions(context.Request, request);
        var page = _store.List(request.StoreKey, options);
        if (TableWriter.Wanted(context.Request.Headers.Accept))
        {
            var table = TableWriter.Table(request.Type, page.Items.Select(o => Stamp(request, o)), page.ResourceVersion, page.Continue,
                context.Request.Query["includeObject"] == "Object", _time.GetUtcNow());
            await WriteJsonAsync(context, HttpStatusCode.OK, table).ConfigureAwait(false);
            return;
        }

        var metadata = new JsonObject { ["resourceVersion"] = page.ResourceVersion.ToString(CultureInfo.InvariantCulture) };
        if (page.Continue is not null)
        {
            metadata["continue"] = page.Continue;
            metadata["remainingItemCount"] = page.RemainingItemCount;
        }

        var list = new JsonObject
        {
            ["kind"] = request.Type.ListKind,
            ["apiVersion"] = request.Type.Key.ApiVersion,
            ["metadata"] = metadata,
            ["items"] = new JsonArray([.. page.Items.Select(o => (JsonNode)Stamp(request, o))]),
        };
        await WriteJsonAsync(context, HttpStatusCode.OK, list).ConfigureAwait(false);
    }

    private static ListOptions ParseListOptions(HttpRequest http, ApiRequest request)
    {
        try
        {
            var limit = http.Query["limit"] is { Count: > 0 } l && int.TryParse(l[0], CultureInfo.InvariantCulture, out var n) ? n : 0;
            var fields = FieldSelector.Parse(http.Query["fieldSelector"]);
            return new ListOptions
            {
                Namespace = request.Namespace,
                Labels = LabelSelector.Parse(http.Query["labelSelector"]),
                Fields = fields,
                Limit = Math.Max(0, limit),
                Continue = http.Query["continue"],
            };
        }
        catch (FormatException e)
        {
            throw ApiException.BadRequest(e.Message);
        }
    }

    private async Task<JsonObject> CreateAsync(ApiRequest request, JsonObject body)
    {
        if (request.Subresource is not null)
        {
            throw ApiException.MethodNotAllowed($"the server does not allow this method on the requested resource");
        }

        CheckTypeAndNamespace(request, body);
        if (request.Type.HasStatus)
        {
            body.Remove("status"); // with a status subresource, create ignores status as Kubernetes does
        }

        AdmitServiceAccount(request, body);

        // Mutating webhooks, then schema handling, then validating webhooks, as Kubernetes orders them.
        body = (await _webhooks.MutateAsync(request, "CREATE", body, null).ConfigureAwait(false))!;
        Admit(request, body, existing: null, FieldValidation(request));
        await _webhooks.ValidateAsync(request, "CREATE", body, null).ConfigureAwait(false);
        var created = _store.Create(request.StoreKey, body);
        return AfterWrite(request, created);
    }

    private async Task<JsonObject> ReplaceAsync(ApiRequest request, JsonObject body)
    {
        CheckTypeAndNamespace(request, body);
        var urlName = request.Name!;
        var bodyName = ObjectMetadata.Name(body);
        if (bodyName != urlName)
        {
            throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({urlName})");
        }

        if (request.Subresource == "scale")
        {
            return ReplaceScale(request, body);
        }

        var existing = _store.Get(request.StoreKey, request.Namespace, urlName);
        body = (await _webhooks.MutateAsync(request, "UPDATE", body, existing).ConfigureAwait(false))!;
        Admit(request, body, existing, FieldValidation(request));
        await _webhooks.ValidateAsync(request, "UPDATE", body, existing).ConfigureAwait(false);
        var mode = request.Subresource == "status" ? UpdateMode.StatusOnly
            : request.Type.HasStatus ? UpdateMode.PreserveStatus
            : UpdateMode.All;
        return AfterWrite(request, _store.Update(request.StoreKey, body, mode));
    }

    private async Task<JsonObject> PatchAsync(HttpContext context, ApiRequest request)
    {
        var contentType = (context.Request.ContentType ?? "").Split(';')[0].Trim();
        var text = await ReadTextAsync(context).ConfigureAwait(false);
        var existing = _store.TryGet(request.StoreKey, request.Namespace, request.Name!);
        var current = request.Subresource == "scale" && existing is not null ? Scale(request, existing) : existing;
        JsonNode patch;
        try
        {
            patch = contentType == "application/apply-patch+yaml" ? YamlJson.Parse(text) : JsonNode.Parse(text) ?? throw new JsonException("empty patch");
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or YamlDotNet.Core.YamlException)
        {
            throw ApiException.BadRequest($"error decoding patch: {e.Message}");
        }

        if (current is null)
        {
            if (contentType != "application/apply-patch+yaml")
            {
                throw ApiException.NotFound(request.Type.Key, request.Name!);
            }

            // Server-side apply of a new object: a create (field ownership is not tracked).
            var fresh = patch.AsObject();
            ObjectMetadata.Meta(fresh)["name"] = request.Name;
            return await CreateAsync(request with { Name = null }, fresh).ConfigureAwait(false);
        }

        JsonNode? patched;
        try
        {
            patched = contentType switch
            {
                "application/merge-patch+json" => MergePatch.Apply(current, patch),
                "application/apply-patch+yaml" => MergePatch.Apply(current, patch),
                "application/json-patch+json" => JsonPatch.Apply(current, patch),
                "application/strategic-merge-patch+json" when request.Type.IsCustom =>
                    throw ApiException.UnsupportedMediaType(contentType + ": strategic merge patch is not supported for custom resources"),
                "application/strategic-merge-patch+json" => StrategicMergePatch.Apply(current, patch),
                _ => throw ApiException.UnsupportedMediaType(contentType),
            };
        }
        catch (PatchException e)
        {
            throw new ApiException(HttpStatusCode.UnprocessableEntity, "Invalid", e.Message);
        }

        if (patched is not JsonObject result)
        {
            throw ApiException.BadRequest("the patch did not produce an object");
        }

        // A patch never changes the identity; a resourceVersion it carries is a precondition.
        var meta = ObjectMetadata.Meta(result);
        meta["name"] = request.Name;
        meta["namespace"] = request.Namespace;
        if (request.Namespace is null)
        {
            meta.Remove("namespace");
        }

        if ((patch as JsonObject)?["metadata"]?["resourceVersion"] is null && request.Subresource != "scale")
        {
            meta.Remove("resourceVersion");
        }

        return request.Subresource == "scale" ? ReplaceScale(request, result) : await ReplaceAsync(request, result).ConfigureAwait(false);
    }

    private async Task<JsonObject> DeleteAsync(ApiRequest request, JsonObject? options)
    {
        var preconditions = options?["preconditions"] is JsonObject p
            ? new DeletePreconditions(p["uid"]?.GetValue<string>(), p["resourceVersion"]?.GetValue<string>())
            : null;
        var existing = _store.Get(request.StoreKey, request.Namespace, request.Name!);
        await _webhooks.MutateAsync(request, "DELETE", null, existing).ConfigureAwait(false);
        await _webhooks.ValidateAsync(request, "DELETE", null, existing).ConfigureAwait(false);
        if (request.Type.Key.Plural == "namespaces" && request.Type.Key.Group.Length == 0)
        {
            DeleteNamespaceContents(request.Name!);
        }

        var (policy, grace) = Deletion.ParseOptions(options, q => request.Context?.Request.Query[q].FirstOrDefault());
        var (obj, removed) = Deletion.Delete(_store, request.StoreKey, request.Namespace, request.Name!, preconditions,
            policy ?? Deletion.DefaultPolicy(request.StoreKey), grace);
        if (removed)
        {
            AfterDelete(request, obj);
        }

        return Stamp(request, obj);
    }

    private async Task DeleteCollectionAsync(HttpContext context, ApiRequest request)
    {
        var page = _store.List(request.StoreKey, ParseListOptions(context.Request, request) with { Limit = 0, Continue = null });
        var deleted = new List<JsonObject>();
        foreach (var item in page.Items)
        {
            try
            {
                deleted.Add(await DeleteAsync(request with { Name = ObjectMetadata.Name(item), Namespace = ObjectMetadata.Namespace(item) }, null).ConfigureAwait(false));
            }
            catch (StoreException e) when (e.Kind == StoreErrorKind.NotFound)
            {
            }
        }

        var list = new JsonObject
        {
            ["kind"] = request.Type.ListKind,
            ["apiVersion"] = request.Type.Key.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = _store.ResourceVersion.ToString(CultureInfo.InvariantCulture) },
            ["items"] = new JsonArray([.. deleted.Select(o => (JsonNode)o)]),
        };
        await WriteJsonAsync(context, HttpStatusCode.OK, list).ConfigureAwait(false);
    }

    // Kubernetes' namespace controller empties a deleted namespace; objects with finalizers stay
    // (marked) until their finalizers go. Simplification: the namespace itself goes at once.
    private void DeleteNamespaceContents(string ns)
    {
        foreach (var (resource, obj) in _store.SnapshotNamespace(ns))
        {
            try
            {
                _store.Delete(resource, ns, ObjectMetadata.Name(obj));
            }
            catch (StoreException e) when (e.Kind == StoreErrorKind.NotFound)
            {
            }
        }
    }

    private static void CheckTypeAndNamespace(ApiRequest request, JsonObject body)
    {
        var apiVersion = body["apiVersion"]?.GetValue<string>();
        var kind = body["kind"]?.GetValue<string>();
        var expectedKind = request.Subresource == "scale" ? "Scale" : request.Type.Kind;
        var expectedVersion = request.Subresource == "scale" ? "autoscaling/v1" : request.Type.Key.ApiVersion;
        if (!string.IsNullOrEmpty(apiVersion) && apiVersion != expectedVersion)
        {
            throw ApiException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({expectedVersion})");
        }

        if (!string.IsNullOrEmpty(kind) && kind != expectedKind)
        {
            throw ApiException.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({expectedKind})");
        }

        body["apiVersion"] = expectedVersion;
        body["kind"] = expectedKind;
        var meta = ObjectMetadata.Meta(body);
        var bodyNamespace = ObjectMetadata.Namespace(body);
        if (request.Type.Namespaced)
        {
            if (!string.IsNullOrEmpty(bodyNamespace) && bodyNamespace != request.Namespace)
            {
                throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }

            meta["namespace"] = request.Namespace ?? throw ApiException.BadRequest($"{request.Type.Key.Plural} is namespaced: the request needs a namespace");
        }
        else
        {
            meta.Remove("namespace");
        }
    }

    private static JsonObject Stamp(ApiRequest request, JsonObject obj)
    {
        obj["apiVersion"] = request.Type.Key.ApiVersion;
        obj["kind"] = request.Type.Kind;
        return obj;
    }

    private async Task RespondObjectAsync(HttpContext context, ApiRequest request, HttpStatusCode code, JsonObject obj)
    {
        if (obj["kind"]?.GetValue<string>() != "Scale")
        {
            obj = Stamp(request, obj);
        }

        if (TableWriter.Wanted(context.Request.Headers.Accept) && request.Subresource is null)
        {
            var table = TableWriter.Table(request.Type, [obj], ObjectMetadata.ResourceVersion(obj), null,
                context.Request.Query["includeObject"] == "Object", _time.GetUtcNow());
            await WriteJsonAsync(context, code, table).ConfigureAwait(false);
            return;
        }

        await WriteJsonAsync(context, code, obj).ConfigureAwait(false);
    }

    private static async Task<string> ReadTextAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        return await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task<JsonObject> ReadBodyAsync(HttpContext context)
    {
        var contentType = context.Request.ContentType ?? "application/json";
        if (!contentType.Contains("json", StringComparison.Ordinal) && !contentType.Contains("yaml", StringComparison.Ordinal))
        {
            throw ApiException.UnsupportedMediaType(contentType);
        }

        var text = await ReadTextAsync(context).ConfigureAwait(false);
        try
        {
            var node = contentType.Contains("yaml", StringComparison.Ordinal) ? YamlJson.Parse(text) : JsonNode.Parse(text);
            return node as JsonObject ?? throw new JsonException("the body is not a JSON object");
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or YamlDotNet.Core.YamlException)
        {
            throw ApiException.BadRequest($"the body of the request could not be decoded: {e.Message}");
        }
    }

    private static async Task<JsonObject?> ReadOptionalBodyAsync(HttpContext context)
    {
        if (context.Request.ContentLength is 0 || (context.Request.ContentLength is null && context.Request.Headers.TransferEncoding.Count == 0))
        {
            return null;
        }

        var text = await ReadTextAsync(context).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"the body of the request could not be decoded: {e.Message}");
        }
    }
}
