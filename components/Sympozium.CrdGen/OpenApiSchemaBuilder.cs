using System.ComponentModel;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Sympozium.Api.Meta;
using Sympozium.Api.Schema;

namespace Sympozium.CrdGen;

/// <summary>
/// Builds a structural OpenAPI v3 schema from source-generated JSON metadata: property names and
/// order are exactly what the serializer writes; the schema facts come from the attributes in
/// <see cref="Sympozium.Api.Schema"/>.
/// </summary>
public sealed class OpenApiSchemaBuilder(JsonSerializerOptions options)
{
    /// <summary>The schema of a whole custom resource: apiVersion, kind, metadata, spec, status.</summary>
    public JsonObject BuildRoot(Type resourceType, bool specRequired)
    {
        var info = options.GetTypeInfo(resourceType);
        var properties = new JsonObject();
        foreach (var property in info.Properties.Where(IsSerialized))
        {
            properties[property.Name] = property.Name switch
            {
                "apiVersion" => Described(new JsonObject { ["type"] = "string" },
                    "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values."),
                "kind" => Described(new JsonObject { ["type"] = "string" },
                    "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. In CamelCase."),
                "metadata" => new JsonObject { ["type"] = "object" },
                _ => BuildProperty(property),
            };
        }

        var root = new JsonObject
        {
            ["description"] = DescriptionOf(resourceType),
            ["type"] = "object",
            ["properties"] = properties,
        };
        if (specRequired)
        {
            root["required"] = new JsonArray("spec");
        }

        return root;
    }

    private JsonObject BuildProperty(JsonPropertyInfo property)
    {
        var member = property.AttributeProvider as MemberInfo
            ?? throw new InvalidOperationException($"{property.DeclaringType.Name}.{property.Name}: no attribute provider in the JSON metadata");
        var schema = BuildType(property.PropertyType, member);
        return schema;
    }

    private JsonObject BuildType(Type type, MemberInfo? member)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        var schema = new JsonObject();
        var description = member?.GetCustomAttribute<DescriptionAttribute>()?.Description ?? DescriptionOf(underlying);
        if (description is not null)
        {
            schema["description"] = description;
        }

        if (underlying == typeof(string))
        {
            schema["type"] = "string";
        }
        else if (underlying == typeof(bool))
        {
            schema["type"] = "boolean";
        }
        else if (underlying == typeof(int))
        {
            schema["type"] = "integer";
            schema["format"] = "int32";
        }
        else if (underlying == typeof(long))
        {
            schema["type"] = "integer";
            schema["format"] = "int64";
        }
        else if (underlying == typeof(double))
        {
            schema["type"] = "number";
        }
        else if (underlying == typeof(DateTimeOffset))
        {
            schema["type"] = "string";
            schema["format"] = "date-time";
        }
        else if (underlying == typeof(Quantity))
        {
            schema["anyOf"] = new JsonArray(new JsonObject { ["type"] = "integer" }, new JsonObject { ["type"] = "string" });
            schema["pattern"] = Formats.QuantityPattern;
            schema["x-kubernetes-int-or-string"] = true;
        }
        else
        {
            var info = options.GetTypeInfo(underlying);
            switch (info.Kind)
            {
                case JsonTypeInfoKind.Dictionary:
                    schema["type"] = "object";
                    schema["additionalProperties"] = BuildType(info.ElementType!, null).WithoutDescription();
                    break;
                case JsonTypeInfoKind.Enumerable:
                    schema["type"] = "array";
                    var items = BuildType(info.ElementType!, null);
                    schema["items"] = items;
                    if (info.ElementType == typeof(Condition))
                    {
                        schema["x-kubernetes-list-type"] = "map";
                        schema["x-kubernetes-list-map-keys"] = new JsonArray("type");
                    }

                    break;
                case JsonTypeInfoKind.Object:
                    schema["type"] = "object";
                    var properties = new JsonObject();
                    var required = new JsonArray();
                    foreach (var property in info.Properties.Where(IsSerialized))
                    {
                        properties[property.Name] = BuildProperty(property);
                        if ((property.AttributeProvider as MemberInfo)?.GetCustomAttribute<SchemaRequiredAttribute>() is not null)
                        {
                            required.Add(property.Name);
                        }
                    }

                    schema["properties"] = properties;
                    if (required.Count > 0)
                    {
                        schema["required"] = required;
                    }

                    break;
                default:
                    throw new InvalidOperationException($"no schema mapping for {underlying.FullName}");
            }
        }

        if (member is not null)
        {
            ApplyMemberFacts(schema, member);
        }

        return schema;
    }

    private static void ApplyMemberFacts(JsonObject schema, MemberInfo member)
    {
        if (member.GetCustomAttribute<EnumValuesAttribute>() is { } enumValues)
        {
            schema["enum"] = new JsonArray([.. enumValues.Values.Select(v => (JsonNode)JsonValue.Create(v)!)]);
        }

        if (member.GetCustomAttribute<SchemaDefaultAttribute>() is { } defaultValue)
        {
            schema["default"] = defaultValue.Value switch
            {
                string s => JsonValue.Create(s),
                bool b => JsonValue.Create(b),
                int i => JsonValue.Create(i),
                long l => JsonValue.Create(l),
                _ => throw new InvalidOperationException($"{member.Name}: unsupported default {defaultValue.Value}"),
            };
        }

        if (member.GetCustomAttribute<FormatAttribute>() is { } format)
        {
            schema["pattern"] = format.Format switch
            {
                Formats.GoDuration => Formats.GoDurationPattern,
                Formats.Quantity => Formats.QuantityPattern,
                Formats.Cron => Formats.CronPattern,
                Formats.Dns1123Label => Formats.Dns1123LabelPattern,
                Formats.Dns1123Subdomain => Formats.Dns1123SubdomainPattern,
                Formats.HttpUrl => Formats.HttpUrlPattern,
                _ => throw new InvalidOperationException($"{member.Name}: unknown format {format.Format}"),
            };
            if (format.Format == Formats.Dns1123Label)
            {
                schema["maxLength"] = 63;
            }
            else if (format.Format == Formats.Dns1123Subdomain)
            {
                schema["maxLength"] = 253;
            }
        }

        if (member.GetCustomAttribute<PatternAttribute>() is { } pattern)
        {
            schema["pattern"] = pattern.Regex;
        }

        if (member.GetCustomAttribute<MinLengthAttribute>() is { } minLength)
        {
            schema["minLength"] = minLength.Length;
        }

        if (member.GetCustomAttribute<MaxLengthAttribute>() is { } maxLength)
        {
            schema["maxLength"] = maxLength.Length;
        }

        if (member.GetCustomAttribute<MinimumAttribute>() is { } minimum)
        {
            schema["minimum"] = minimum.Value;
        }

        if (member.GetCustomAttribute<MaximumAttribute>() is { } maximum)
        {
            schema["maximum"] = maximum.Value;
        }

        if (member.GetCustomAttribute<PreserveUnknownFieldsAttribute>() is not null)
        {
            schema["x-kubernetes-preserve-unknown-fields"] = true;
        }
    }

    // [JsonIgnore] members stay in the metadata but are never written.
    private static bool IsSerialized(JsonPropertyInfo property) =>
        (property.AttributeProvider as MemberInfo)?.GetCustomAttribute<System.Text.Json.Serialization.JsonIgnoreAttribute>() is not { Condition: System.Text.Json.Serialization.JsonIgnoreCondition.Always };

    private static string? DescriptionOf(Type type) => type.GetCustomAttribute<DescriptionAttribute>()?.Description;

    private static JsonObject Described(JsonObject schema, string description)
    {
        var result = new JsonObject { ["description"] = description };
        foreach (var (key, value) in schema)
        {
            result[key] = value?.DeepClone();
        }

        return result;
    }
}

internal static class SchemaExtensions
{
    /// <summary>Map values take their description from the map itself; a repeated type description adds nothing.</summary>
    public static JsonObject WithoutDescription(this JsonObject schema)
    {
        schema.Remove("description");
        return schema;
    }
}
