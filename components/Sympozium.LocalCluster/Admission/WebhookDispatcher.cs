using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sympozium.LocalCluster.Controllers;
using Sympozium.LocalCluster.Http;
using Sympozium.LocalCluster.Patching;
using Sympozium.LocalCluster.Resources;
using Sympozium.LocalCluster.Storage;

namespace Sympozium.LocalCluster.Admission;

/// <summary>
/// Dynamic admission: calls the registered MutatingWebhookConfigurations (in name order, applying
/// each returned JSONPatch) and then, after schema handling, the ValidatingWebhookConfigurations,
/// over HTTPS with AdmissionReview v1, as the real API server does. Matching: rules (apiGroups,
/// apiVersions, resources incl. "*", "x/status", "*/status", operations, scope), matchPolicy
/// (Equivalent: any served version of the resource), namespaceSelector, objectSelector.
/// clientConfig url, or service resolved through its Endpoints (first ready address; TLS
/// verified against caBundle with the host name &lt;svc&gt;.&lt;ns&gt;.svc). failurePolicy Fail
/// (default) or Ignore, timeoutSeconds (default 10). Not done: reinvocationPolicy,
/// matchConditions (CEL), admissionReviewVersions other than v1, the webhook configurations
/// themselves and writes by the in-process controllers (never sent to webhooks).
/// </summary>
internal sealed class WebhookDispatcher(ObjectStore store, ResourceRegistry registry)
{
    private const string MutatingResource = "mutatingwebhookconfigurations.admissionregistration.k8s.io";
    private const string ValidatingResource = "validatingwebhookconfigurations.admissionregistration.k8s.io";

    /// <summary>Runs the mutating webhooks; returns the object to store (patched), or <paramref name="obj"/> unchanged.</summary>
    public async Task<JsonObject?> MutateAsync(ApiRequest request, string operation, JsonObject? obj, JsonObject? oldObject)
    {
        if (Exempt(request))
        {
            return obj;
        }

        foreach (var (config, webhook) in Webhooks(MutatingResource))
        {
            if (!Matches(webhook, request, operation, obj, oldObject))
            {
                continue;
            }

            var response = await CallAsync(webhook, request, operation, obj, oldObject).ConfigureAwait(false);
            if (response?["patch"]?.GetValue<string>() is { Length: > 0 } patch && obj is not null)
            {
                var name = webhook["name"]?.GetValue<string>() ?? ObjectMetadata.Name(config);
                try
                {
                    var operations = JsonNode.Parse(Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Convert.FromBase64String(patch))))!;
                    obj = JsonPatch.Apply(obj, operations).AsObject();
                }
                catch (Exception e) when (e is FormatException or JsonException or PatchException or InvalidOperationException)
                {
                    throw new ApiException(HttpStatusCode.InternalServerError, "InternalError",
                        $"Internal error occurred: failed calling webhook \"{name}\": the server rejected the JSON patch of the webhook: {e.Message}");
                }
            }
        }

        return obj;
    }

    /// <summary>Runs the validating webhooks; throws the Status of the first denial.</summary>
    public async Task ValidateAsync(ApiRequest request, string operation, JsonObject? obj, JsonObject? oldObject)
    {
        if (Exempt(request))
        {
            return;
        }

        var calls = Webhooks(ValidatingResource)
            .Where(w => Matches(w.Webhook, request, operation, obj, oldObject))
            .Select(w => CallAsync(w.Webhook, request, operation, obj, oldObject))
            .ToList();
        await Task.WhenAll(calls).ConfigureAwait(false);
    }

    private static bool Exempt(ApiRequest request) =>
        request.Type.Key.Group == "admissionregistration.k8s.io" && request.Type.Key.Plural.EndsWith("webhookconfigurations", StringComparison.Ordinal);

    private List<(JsonObject Config, JsonObject Webhook)> Webhooks(string resource) =>
        store.All(resource).Select(c => c.Object)
            .OrderBy(ObjectMetadata.Name, StringComparer.Ordinal)
            .SelectMany(c => (c["webhooks"] as JsonArray ?? []).OfType<JsonObject>().Select(w => (c, w)))
            .ToList();

    private bool Matches(JsonObject webhook, ApiRequest request, string operation, JsonObject? obj, JsonObject? oldObject)
    {
        var key = request.Type.Key;
        var equivalent = webhook["matchPolicy"]?.GetValue<string>() != "Exact";
        var ruleMatches = (webhook["rules"] as JsonArray ?? []).OfType<JsonObject>().Any(rule =>
        {
            var groups = Strings(rule["apiGroups"]);
            var versions = Strings(rule["apiVersions"]);
            var resources = Strings(rule["resources"]);
            var operations = Strings(rule["operations"]);
            var scope = rule["scope"]?.GetValue<string>() ?? "*";
            return (groups.Contains("*") || groups.Contains(key.Group))
                && (versions.Contains("*") || versions.Contains(key.Version)
                    || (equivalent && versions.Any(v => registry.Find(key.Group, v, key.Plural) is not null)))
                && ResourceMatches(resources, key.Plural, request.Subresource)
                && (operations.Contains("*") || operations.Contains(operation))
                && scope switch
                {
                    "Cluster" => !request.Type.Namespaced,
                    "Namespaced" => request.Type.Namespaced,
                    _ => true,
                };
        });
        if (!ruleMatches)
        {
            return false;
        }

        if (webhook["objectSelector"] is JsonObject { Count: > 0 } objectSelector
            && !(obj is not null && Objects.SelectorMatches(objectSelector, ObjectMetadata.Labels(obj)))
            && !(oldObject is not null && Objects.SelectorMatches(objectSelector, ObjectMetadata.Labels(oldObject))))
        {
            return false;
        }

        if (webhook["namespaceSelector"] is JsonObject { Count: > 0 } namespaceSelector)
        {
            IReadOnlyDictionary<string, string>? labels = null;
            if (key is { Group: "", Plural: "namespaces" })
            {
                labels = ObjectMetadata.Labels(obj ?? oldObject ?? new JsonObject());
            }
            else if (request.Type.Namespaced && request.Namespace is { } ns)
            {
                labels = store.TryGet("namespaces", null, ns) is { } nsObject ? ObjectMetadata.Labels(nsObject) : new Dictionary<string, string>();
            }

            if (labels is not null && !Objects.SelectorMatches(namespaceSelector, labels))
            {
                return false;
            }
        }

        return true;
    }

    private static bool ResourceMatches(List<string> resources, string plural, string? subresource)
    {
        if (subresource is null)
        {
            return resources.Contains("*") || resources.Contains(plural);
        }

        return resources.Contains("*/*") || resources.Contains($"{plural}/{subresource}")
            || resources.Contains($"*/{subresource}") || resources.Contains($"{plural}/*");
    }

    private static List<string> Strings(JsonNode? node) =>
        (node as JsonArray ?? []).Select(n => n?.GetValue<string>() ?? "").ToList();

    /// <summary>Calls one webhook; returns its response when allowed, throws its denial or (failurePolicy Fail) the call's failure.</summary>
    private async Task<JsonObject?> CallAsync(JsonObject webhook, ApiRequest request, string operation, JsonObject? obj, JsonObject? oldObject)
    {
        var name = webhook["name"]?.GetValue<string>() ?? "";
        var uid = Guid.NewGuid().ToString();
        JsonObject response;
        try
        {
            var timeout = TimeSpan.FromSeconds(Math.Clamp(Objects.Long(webhook["timeoutSeconds"], 10), 1, 30));
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(request.Context?.RequestAborted ?? CancellationToken.None);
            cts.CancelAfter(timeout);
            var review = Review(uid, request, operation, obj, oldObject);
            response = await PostAsync(webhook["clientConfig"] as JsonObject ?? new JsonObject(), review, cts.Token).ConfigureAwait(false);
            if (response["uid"]?.GetValue<string>() != uid)
            {
                throw new WebhookCallException($"expected response.uid=\"{uid}\", got \"{response["uid"]}\"");
            }
        }
        catch (Exception e) when (e is WebhookCallException or HttpRequestException or OperationCanceledException or JsonException
            or InvalidOperationException or IOException or SocketException or System.Security.Authentication.AuthenticationException)
        {
            if (request.Context?.RequestAborted.IsCancellationRequested == true)
            {
                throw;
            }

            if (webhook["failurePolicy"]?.GetValue<string>() == "Ignore")
            {
                return null;
            }

            var why = e is OperationCanceledException ? "context deadline exceeded" : e.Message;
            throw new ApiException(HttpStatusCode.InternalServerError, "InternalError",
                $"Internal error occurred: failed calling webhook \"{name}\": failed to call webhook: {why}",
                new StatusDetails(null, null, null, [new StatusCause("", $"failed calling webhook \"{name}\": failed to call webhook: {why}")]));
        }

        foreach (var warning in (response["warnings"] as JsonArray ?? []).Select(w => w?.GetValue<string>()).OfType<string>())
        {
            request.Context?.Response.Headers.Append("Warning", $"299 - \"{warning.Replace("\"", "\\\"", StringComparison.Ordinal)}\"");
        }

        if (response["allowed"]?.GetValue<bool>() == true)
        {
            return response;
        }

        // webhookerrors.ToStatusErr: at least 400, the webhook's message after who denied it.
        var status = response["status"] as JsonObject;
        var code = (int)Objects.Long(status?["code"], 0);
        var message = status?["message"]?.GetValue<string>();
        var reason = status?["reason"]?.GetValue<string>() ?? "";
        var deniedBy = $"admission webhook \"{name}\" denied the request";
        var text = !string.IsNullOrEmpty(message) ? $"{deniedBy}: {message}"
            : reason.Length > 0 ? $"{deniedBy}: {reason}"
            : $"{deniedBy} without explanation";
        throw new ApiException((HttpStatusCode)Math.Max(code, 400), reason, text);
    }

    private static JsonObject Review(string uid, ApiRequest request, string operation, JsonObject? obj, JsonObject? oldObject)
    {
        var key = request.Type.Key;
        var kind = new JsonObject { ["group"] = key.Group, ["version"] = key.Version, ["kind"] = request.Type.Kind };
        var resource = new JsonObject { ["group"] = key.Group, ["version"] = key.Version, ["resource"] = key.Plural };
        var body = new JsonObject
        {
            ["uid"] = uid,
            ["kind"] = kind,
            ["resource"] = resource,
        };
        if (request.Subresource is not null)
        {
            body["subResource"] = request.Subresource;
        }

        body["requestKind"] = kind.DeepClone();
        body["requestResource"] = resource.DeepClone();
        if (request.Subresource is not null)
        {
            body["requestSubResource"] = request.Subresource;
        }

        body["name"] = request.Name ?? (obj is null ? "" : ObjectMetadata.Name(obj));
        if (request.Namespace is not null)
        {
            body["namespace"] = request.Namespace;
        }

        body["operation"] = operation;
        body["userInfo"] = request.User.ToJson();
        body["object"] = obj?.DeepClone();
        body["oldObject"] = oldObject?.DeepClone();
        body["dryRun"] = false;
        body["options"] = new JsonObject
        {
            ["kind"] = operation switch { "CREATE" => "CreateOptions", "UPDATE" => "UpdateOptions", _ => "DeleteOptions" },
            ["apiVersion"] = "meta.k8s.io/v1",
        };
        return new JsonObject { ["kind"] = "AdmissionReview", ["apiVersion"] = "admission.k8s.io/v1", ["request"] = body };
    }

    private async Task<JsonObject> PostAsync(JsonObject clientConfig, JsonObject review, CancellationToken cancellationToken)
    {
        Uri uri;
        IPEndPoint? endpoint = null;
        if (clientConfig["url"]?.GetValue<string>() is { Length: > 0 } url)
        {
            uri = new Uri(url);
        }
        else if (clientConfig["service"] is JsonObject service)
        {
            var ns = service["namespace"]?.GetValue<string>() ?? "default";
            var svc = service["name"]?.GetValue<string>() ?? "";
            var port = Objects.Long(service["port"], 443);
            endpoint = ResolveService(ns, svc, port);
            uri = new Uri($"https://{svc}.{ns}.svc:{port}{service["path"]?.GetValue<string>() ?? "/"}");
        }
        else
        {
            throw new WebhookCallException("clientConfig has neither url nor service");
        }

        var trusted = new X509Certificate2Collection();
        if (clientConfig["caBundle"]?.GetValue<string>() is { Length: > 0 } caBundle)
        {
            trusted.ImportFromPem(Encoding.UTF8.GetString(Convert.FromBase64String(caBundle)));
        }

        using var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, certificate, _, errors) => Trusted(certificate, errors, trusted) },
            PooledConnectionLifetime = TimeSpan.Zero,
        };
        if (endpoint is not null)
        {
            handler.ConnectCallback = async (_, token) =>
            {
                var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(endpoint, token).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }

        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        using var content = new StringContent(review.ToJsonString(), Encoding.UTF8, "application/json");
        using var answer = await client.PostAsync(uri, content, cancellationToken).ConfigureAwait(false);
        var text = await answer.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!answer.IsSuccessStatusCode)
        {
            throw new WebhookCallException($"Post \"{uri}\": the server responded with the status code {(int)answer.StatusCode}: {text}");
        }

        return JsonNode.Parse(text)?["response"] as JsonObject
            ?? throw new WebhookCallException($"Post \"{uri}\": the response has no AdmissionReview response");
    }

    private static bool Trusted(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection trusted)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        if (trusted.Count == 0)
        {
            return errors == SslPolicyErrors.None;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        var leaf = certificate as X509Certificate2;
        using var loaded = leaf is null ? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()) : null;
        return chain.Build(leaf ?? loaded!);
    }

    /// <summary>The first ready address of the Service's Endpoints, on the target port of the Service port.</summary>
    private IPEndPoint ResolveService(string ns, string name, long port)
    {
        var service = store.TryGet("services", ns, name) ?? throw new WebhookCallException($"service \"{ns}/{name}\" not found");
        var servicePort = (service["spec"]?["ports"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(p => Objects.Long(p["port"], 0) == port)
            ?? throw new WebhookCallException($"service \"{ns}/{name}\" has no port {port}");
        var portName = servicePort["name"]?.GetValue<string>();
        var endpoints = store.TryGet("endpoints", ns, name);
        foreach (var subset in (endpoints?["subsets"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var address = (subset["addresses"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault()?["ip"]?.GetValue<string>();
            var ports = (subset["ports"] as JsonArray ?? []).OfType<JsonObject>().ToList();
            var target = ports.FirstOrDefault(p => (p["name"]?.GetValue<string>() ?? "") == (portName ?? "")) ?? (ports.Count == 1 ? ports[0] : null);
            if (address is not null && target is not null && IPAddress.TryParse(address, out var ip))
            {
                return new IPEndPoint(ip, (int)Objects.Long(target["port"], 0));
            }
        }

        throw new WebhookCallException($"no endpoints available for service \"{name}\"");
    }

    private sealed class WebhookCallException(string message) : Exception(message);
}
