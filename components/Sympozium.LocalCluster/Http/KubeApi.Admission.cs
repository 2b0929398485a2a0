using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Sympozium.Api.Validation;
using Sympozium.LocalCluster.Storage;

namespace Sympozium.LocalCluster.Http;

// What the API server does to a write before storing it: name checks, CRD schema handling
// (prune, default, validate, with fieldValidation Strict/Warn/Ignore), CRD and Namespace
// bookkeeping, and the scale subresource view.
internal sealed partial class KubeApi
{
    private enum FieldValidationMode
    {
        Ignore,
        Warn,
        Strict,
    }

    private static FieldValidationMode FieldValidation(ApiRequest request) =>
        (request.Context?.Request.Query["fieldValidation"].ToString() ?? "") switch
        {
            "Strict" => FieldValidationMode.Strict,
            "Ignore" => FieldValidationMode.Ignore,
            "" or "Warn" => FieldValidationMode.Warn,
            var other => throw ApiException.BadRequest($"fieldValidation must be one of Ignore, Warn, Strict, not \"{other}\""),
        };

    private static void Admit(ApiRequest request, JsonObject body, JsonObject? existing, FieldValidationMode validation)
    {
        var type = request.Type;
        var name = ObjectMetadata.Name(body);
        var causes = new List<StatusCause>();
        if (existing is null && name.Length > 0)
        {
            var problem = type.Key.Plural == "namespaces" ? NameRules.CheckLabel(name) : NameRules.CheckSubdomain(name);
            if (problem is not null)
            {
                causes.Add(new StatusCause("FieldValueInvalid", $"Invalid value: \"{name}\": {problem}", "metadata.name"));
            }
        }

        if (type.Key is { Group: "", Plural: "namespaces" } && existing is null)
        {
            body["status"] = new JsonObject { ["phase"] = "Active" };
        }

        if (type.Key is { Group: "", Plural: "pods" } && existing is null)
        {
            body["status"] = new JsonObject { ["phase"] = "Pending" }; // until a kubelet reports
        }

        if (type.Key is { Group: "apiextensions.k8s.io", Plural: "customresourcedefinitions" })
        {
            CheckCrd(body, causes);
        }

        if (type.Schema is { } schema)
        {
            var removed = StructuralSchema.Prune(body, schema);
            if (removed.Count > 0 && validation == FieldValidationMode.Strict)
            {
                throw ApiException.BadRequest(
                    $"{type.Kind} in version \"{type.Key.Version}\" cannot be handled as a {type.Kind}: strict decoding error: "
                    + string.Join(", ", removed.Select(r => $"unknown field \"{r}\"")));
            }

            if (removed.Count > 0 && validation == FieldValidationMode.Warn && request.Context is { } context)
            {
                foreach (var field in removed)
                {
                    context.Response.Headers.Append("Warning", $"299 - \"unknown field \\\"{field}\\\"\"");
                }
            }

            StructuralSchema.ApplyDefaults(body, schema);
            var errors = new List<ValidationError>();
            StructuralSchema.Validate(body, schema, "", errors);
            causes.AddRange(errors.Select(e => new StatusCause(
                e.Message.StartsWith("required", StringComparison.Ordinal) ? "FieldValueRequired" : "FieldValueInvalid", e.Message, e.Path)));
        }

        if (causes.Count > 0)
        {
            throw ApiException.Invalid(type.Kind, type.Key.Group, name.Length > 0 ? name : ObjectMetadata.String(body, "generateName") ?? "", causes);
        }
    }

    private static void CheckCrd(JsonObject crd, List<StatusCause> causes)
    {
        var spec = crd["spec"] as JsonObject;
        var group = spec?["group"]?.GetValue<string>();
        var plural = spec?["names"]?["plural"]?.GetValue<string>();
        if (string.IsNullOrEmpty(group))
        {
            causes.Add(new("FieldValueRequired", "Required value", "spec.group"));
        }

        if (string.IsNullOrEmpty(plural))
        {
            causes.Add(new("FieldValueRequired", "Required value", "spec.names.plural"));
        }

        if (string.IsNullOrEmpty(spec?["names"]?["kind"]?.GetValue<string>()))
        {
            causes.Add(new("FieldValueRequired", "Required value", "spec.names.kind"));
        }

        if (spec?["scope"]?.GetValue<string>() is not ("Namespaced" or "Cluster"))
        {
            causes.Add(new("FieldValueNotSupported", "Unsupported value: supported values: \"Cluster\", \"Namespaced\"", "spec.scope"));
        }

        if (spec?["versions"] is not JsonArray { Count: > 0 })
        {
            causes.Add(new("FieldValueRequired", "Required value: must have exactly one version marked as storage version", "spec.versions"));
        }

        var name = ObjectMetadata.Name(crd);
        if (!string.IsNullOrEmpty(group) && !string.IsNullOrEmpty(plural) && name != $"{plural}.{group}")
        {
            causes.Add(new("FieldValueInvalid", $"Invalid value: \"{name}\": must be spec.names.plural+\".\"+spec.group", "metadata.name"));
        }
    }

    /// <summary>Bookkeeping after a committed create or update.</summary>
    private JsonObject AfterWrite(ApiRequest request, JsonObject stored)
    {
        if (request.Type.Key is { Group: "apiextensions.k8s.io", Plural: "customresourcedefinitions" } && request.Subresource is null)
        {
            _registry.RegisterCrd(stored);
            stored = Establish(request, stored);
        }

        if (request.Type.Key is { Group: "", Plural: "namespaces" } && request.Subresource is null)
        {
            Controllers.ServiceAccountController.EnsureNamespace(_store, ObjectMetadata.Name(stored), _caPem);
        }

        return stored;
    }

    /// <summary>Marks a CRD NamesAccepted and Established, as the real server does at once.</summary>
    private JsonObject Establish(ApiRequest request, JsonObject crd)
    {
        var now = _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var names = crd["spec"]?["names"]?.DeepClone() ?? new JsonObject();
        var status = new JsonObject
        {
            ["conditions"] = new JsonArray(
                new JsonObject { ["type"] = "NamesAccepted", ["status"] = "True", ["reason"] = "NoConflicts", ["message"] = "no conflicts found", ["lastTransitionTime"] = now },
                new JsonObject { ["type"] = "Established", ["status"] = "True", ["reason"] = "InitialNamesAccepted", ["message"] = "the initial names have been accepted", ["lastTransitionTime"] = now }),
            ["acceptedNames"] = names,
            ["storedVersions"] = new JsonArray([.. (crd["spec"]?["versions"]?.AsArray() ?? []).Where(v => v?["storage"]?.GetValue<bool>() == true).Select(v => (JsonNode?)v!["name"]!.DeepClone())]),
        };
        if (crd["status"]?["conditions"] is JsonArray existing && existing.Count == 2
            && JsonNode.DeepEquals(crd["status"]?["acceptedNames"], names))
        {
            return crd; // already established with these names
        }

        var update = crd.DeepClone().AsObject();
        update["status"] = status;
        ObjectMetadata.Meta(update).Remove("resourceVersion");
        return _store.Update(request.StoreKey, update, UpdateMode.StatusOnly);
    }

    private void AfterDelete(ApiRequest request, JsonObject removed)
    {
        if (request.Type.Key is { Group: "apiextensions.k8s.io", Plural: "customresourcedefinitions" })
        {
            _registry.UnregisterCrd(ObjectMetadata.Name(removed));
        }
    }

    /// <summary>Serves the scale subresource (autoscaling/v1 Scale) of an object; the object itself otherwise.</summary>
    private static JsonObject Scale(ApiRequest request, JsonObject obj)
    {
        if (request.Subresource != "scale")
        {
            return obj;
        }

        var meta = ObjectMetadata.Meta(obj);
        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = meta["name"]?.DeepClone(),
                ["namespace"] = meta["namespace"]?.DeepClone(),
                ["uid"] = meta["uid"]?.DeepClone(),
                ["resourceVersion"] = meta["resourceVersion"]?.DeepClone(),
                ["creationTimestamp"] = meta["creationTimestamp"]?.DeepClone(),
            },
            ["spec"] = new JsonObject { ["replicas"] = obj["spec"]?["replicas"]?.DeepClone() ?? 1 },
            ["status"] = new JsonObject
            {
                ["replicas"] = obj["status"]?["replicas"]?.DeepClone() ?? 0,
                ["selector"] = obj["spec"]?["selector"]?["matchLabels"] is JsonObject labels
                    ? string.Join(",", labels.Select(l => $"{l.Key}={l.Value}"))
                    : "",
            },
        };
    }

    private JsonObject ReplaceScale(ApiRequest request, JsonObject scale)
    {
        var replicas = scale["spec"]?["replicas"] ?? throw ApiException.Invalid("Scale", "autoscaling", request.Name!,
            [new StatusCause("FieldValueRequired", "Required value", "spec.replicas")]);
        var obj = _store.Get(request.StoreKey, request.Namespace, request.Name!);
        if (obj["spec"] is not JsonObject spec)
        {
            spec = new JsonObject();
            obj["spec"] = spec;
        }

        spec["replicas"] = replicas.DeepClone();
        if (ObjectMetadata.String(scale, "resourceVersion") is { Length: > 0 } rv)
        {
            ObjectMetadata.Meta(obj)["resourceVersion"] = rv;
        }

        var updated = _store.Update(request.StoreKey, obj, request.Type.HasStatus ? UpdateMode.PreserveStatus : UpdateMode.All);
        return Scale(request, updated);
    }
}
