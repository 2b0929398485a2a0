using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Sympozium.Api.Kinds;
using Sympozium.Api.Serialization;

namespace Sympozium.Api.Validation;

/// <summary>
/// Checks a Sympozium manifest the way the API server (the generated CRD schema) and our
/// admission rules would, and reports every failure at once with its field path and the allowed
/// values. Used by the CLI before applying, by the webhook, and by the local cluster.
/// </summary>
public static class ManifestValidator
{
    /// <summary>Validates every document of a YAML (or JSON) text.</summary>
    public static IReadOnlyList<ValidationResult> ValidateYaml(string yaml)
    {
        IReadOnlyList<JsonNode> documents;
        try
        {
            documents = YamlJson.ParseDocuments(yaml);
        }
        catch (FormatException e)
        {
            return [new ValidationResult("", null, null, [new ValidationError("", e.Message)])];
        }

        return [.. documents.Select(Validate)];
    }

    /// <summary>Validates a typed object as it would be sent to the API server.</summary>
    public static ValidationResult Validate<T>(T resource, JsonTypeInfo<T> typeInfo) =>
        Validate(JsonSerializer.SerializeToNode(resource, typeInfo) ?? new JsonObject());

    /// <summary>Validates one manifest.</summary>
    public static ValidationResult Validate(JsonNode manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var errors = new List<ValidationError>();
        if (manifest is not JsonObject obj)
        {
            errors.Add(new("", "a manifest must be an object with apiVersion, kind, metadata and spec"));
            return new ValidationResult("", null, null, errors);
        }

        var kindName = Text(obj, "kind") ?? "";
        var metadata = obj["metadata"] as JsonObject;
        var ns = metadata is null ? null : Text(metadata, "namespace");
        var name = metadata is null ? null : Text(metadata, "name") ?? Text(metadata, "generateName");

        var kind = KnownKinds.ByKind(kindName);
        if (kind is null)
        {
            var known = KnownKinds.All.Select(k => k.Kind).ToList();
            errors.Add(new("kind", kindName.Length == 0 ? $"required field is missing; one of {string.Join(", ", known)}" : $"\"{kindName}\" is not one of {string.Join(", ", known)}", known));
            return new ValidationResult(kindName, ns, name, errors);
        }

        var apiVersion = Text(obj, "apiVersion");
        if (apiVersion != ApiGroup.ApiVersion)
        {
            errors.Add(new("apiVersion", apiVersion is null ? $"required field is missing; use {ApiGroup.ApiVersion}" : $"\"{apiVersion}\" is not served; use {ApiGroup.ApiVersion}", [ApiGroup.ApiVersion]));
        }

        ValidateMetadata(kind, obj["metadata"], errors);

        var schema = CrdSchemas.Schema(kind);
        var withoutMetadata = new JsonObject();
        foreach (var (key, value) in obj)
        {
            if (key != "metadata")
            {
                withoutMetadata[key] = value?.DeepClone();
            }
        }

        StructuralSchema.Validate(withoutMetadata, schema, "", errors);
        if (obj["spec"] is JsonObject spec)
        {
            CrossFieldRules.Check(kind, spec, errors);
        }

        return new ValidationResult(kind.Kind, ns, name, errors);
    }

    private static void ValidateMetadata(KindInfo kind, JsonNode? metadataNode, List<ValidationError> errors)
    {
        if (metadataNode is not JsonObject metadata)
        {
            errors.Add(new("metadata", metadataNode is null ? "required field is missing; set at least metadata.name" : "expected an object"));
            return;
        }

        var name = Text(metadata, "name");
        var generateName = Text(metadata, "generateName");
        if (string.IsNullOrEmpty(name) && string.IsNullOrEmpty(generateName))
        {
            errors.Add(new("metadata.name", "required field is missing (or set metadata.generateName)"));
        }
        else if (!string.IsNullOrEmpty(name))
        {
            if (NameRules.CheckSubdomain(name) is { } problem)
            {
                errors.Add(new("metadata.name", problem));
            }
            else if (kind == KnownKinds.AgentRun && name.Length > NameRules.MaxLabelLength)
            {
                errors.Add(new("metadata.name", $"is {name.Length} characters long; an AgentRun name becomes its Job's name and label, so at most {NameRules.MaxLabelLength} are allowed"));
            }
        }

        if (Text(metadata, "namespace") is { Length: > 0 } ns && NameRules.CheckLabel(ns) is { } nsProblem)
        {
            errors.Add(new("metadata.namespace", nsProblem));
        }

        foreach (var field in new[] { "labels", "annotations" })
        {
            if (metadata[field] is JsonObject map)
            {
                foreach (var (key, value) in map)
                {
                    if (value is null || value.GetValueKind() != JsonValueKind.String)
                    {
                        errors.Add(new($"metadata.{field}[{key}]", "values must be strings; quote numbers and booleans (e.g. \"true\")"));
                    }
                }
            }
            else if (metadata[field] is not null)
            {
                errors.Add(new($"metadata.{field}", "expected a map of strings"));
            }
        }
    }

    private static string? Text(JsonObject obj, string key) =>
        obj[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}
