using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Sympozium.Api.Schema;

namespace Sympozium.Api.Validation;

/// <summary>
/// Applies a structural OpenAPI v3 schema (the subset CRDs use) to a JSON value the way the API
/// server does: defaulting, pruning and validation, with messages a person can act on.
/// </summary>
public static class StructuralSchema
{
    private static readonly ConcurrentDictionary<string, Regex> Patterns = new(StringComparer.Ordinal);

    /// <summary>Appends every violation of <paramref name="schema"/> by <paramref name="value"/> to <paramref name="errors"/>.</summary>
    public static void Validate(JsonNode? value, JsonObject schema, string path, List<ValidationError> errors)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(errors);
        if (value is null)
        {
            return; // The API server drops nulls of non-nullable fields before validating.
        }

        if (Bool(schema, "x-kubernetes-int-or-string"))
        {
            if (!IsInteger(value) && value.GetValueKind() != JsonValueKind.String)
            {
                errors.Add(new(path, $"expected an integer or a string, got {Describe(value)}"));
                return;
            }
        }
        else if (Str(schema, "type") is { } type && !HasType(value, type))
        {
            errors.Add(new(path, $"expected {Article(type)}, got {Describe(value)}"));
            return;
        }

        switch (value)
        {
            case JsonObject obj:
                ValidateObject(obj, schema, path, errors);
                break;
            case JsonArray array when schema["items"] is JsonObject items:
                for (var i = 0; i < array.Count; i++)
                {
                    Validate(array[i], items, $"{path}[{i}]", errors);
                }

                break;
            case JsonValue scalar:
                ValidateScalar(scalar, schema, path, errors);
                break;
        }
    }

    /// <summary>Writes schema defaults into absent fields of existing objects, recursively (API-server defaulting).</summary>
    public static void ApplyDefaults(JsonNode? value, JsonObject schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        switch (value)
        {
            case JsonObject obj when schema["properties"] is JsonObject properties:
                foreach (var (name, propertySchemaNode) in properties)
                {
                    if (propertySchemaNode is not JsonObject propertySchema)
                    {
                        continue;
                    }

                    if ((!obj.ContainsKey(name) || obj[name] is null) && propertySchema["default"] is { } defaultValue)
                    {
                        obj[name] = defaultValue.DeepClone();
                    }

                    ApplyDefaults(obj[name], propertySchema);
                }

                break;
            case JsonObject map when schema["additionalProperties"] is JsonObject valueSchema:
                foreach (var (_, item) in map)
                {
                    ApplyDefaults(item, valueSchema);
                }

                break;
            case JsonArray array when schema["items"] is JsonObject items:
                foreach (var item in array)
                {
                    ApplyDefaults(item, items);
                }

                break;
        }
    }

    /// <summary>Removes fields the schema does not declare (API-server pruning); returns their paths.</summary>
    public static IReadOnlyList<string> Prune(JsonNode? value, JsonObject schema, string path = "")
    {
        ArgumentNullException.ThrowIfNull(schema);
        var removed = new List<string>();
        PruneInto(value, schema, path, removed);
        return removed;
    }

    private static void PruneInto(JsonNode? value, JsonObject schema, string path, List<string> removed)
    {
        if (Bool(schema, "x-kubernetes-preserve-unknown-fields"))
        {
            return;
        }

        switch (value)
        {
            case JsonObject obj when schema["properties"] is JsonObject properties:
                foreach (var name in obj.Select(p => p.Key).ToList())
                {
                    if (properties[name] is JsonObject propertySchema)
                    {
                        PruneInto(obj[name], propertySchema, Join(path, name), removed);
                    }
                    else if (path.Length > 0 || name is not ("apiVersion" or "kind" or "metadata"))
                    {
                        obj.Remove(name);
                        removed.Add(Join(path, name));
                    }
                }

                break;
            case JsonObject map when schema["additionalProperties"] is JsonObject valueSchema:
                foreach (var (key, item) in map)
                {
                    PruneInto(item, valueSchema, $"{path}[{key}]", removed);
                }

                break;
            case JsonArray array when schema["items"] is JsonObject items:
                for (var i = 0; i < array.Count; i++)
                {
                    PruneInto(array[i], items, $"{path}[{i}]", removed);
                }

                break;
        }
    }

    private static void ValidateObject(JsonObject obj, JsonObject schema, string path, List<ValidationError> errors)
    {
        if (schema["required"] is JsonArray required)
        {
            foreach (var name in required.Select(n => n!.GetValue<string>()))
            {
                if (!obj.ContainsKey(name) || obj[name] is null)
                {
                    errors.Add(new(Join(path, name), "required field is missing"));
                }
            }
        }

        if (schema["properties"] is JsonObject properties)
        {
            foreach (var (name, item) in obj)
            {
                if (properties[name] is JsonObject propertySchema)
                {
                    Validate(item, propertySchema, Join(path, name), errors);
                }
                else if (!Bool(schema, "x-kubernetes-preserve-unknown-fields"))
                {
                    var known = properties.Select(p => p.Key).ToList();
                    var hint = Closest(name, known) is { } suggestion ? $" (did you mean \"{suggestion}\"?)" : "";
                    errors.Add(new(Join(path, name), $"unknown field \"{name}\"{hint}; known fields are {string.Join(", ", known)}", known));
                }
            }
        }
        else if (schema["additionalProperties"] is JsonObject valueSchema)
        {
            foreach (var (key, item) in obj)
            {
                Validate(item, valueSchema, $"{path}[{key}]", errors);
            }
        }
    }

    private static void ValidateScalar(JsonValue value, JsonObject schema, string path, List<ValidationError> errors)
    {
        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value)))
        {
            var values = allowed.Select(a => a!.GetValueKind() == JsonValueKind.String ? a.GetValue<string>() : a.ToJsonString()).ToList();
            errors.Add(new(path, $"{Quote(value)} is not one of {string.Join(", ", values)}", values));
            return;
        }

        if (value.GetValueKind() == JsonValueKind.String)
        {
            var text = value.GetValue<string>();
            if (schema["minLength"] is { } minLength && text.Length < minLength.GetValue<int>())
            {
                errors.Add(new(path, minLength.GetValue<int>() == 1 ? "must not be empty" : $"must be at least {minLength} characters long"));
                return;
            }

            if (schema["maxLength"] is { } maxLength && text.Length > maxLength.GetValue<int>())
            {
                errors.Add(new(path, $"is {text.Length} characters long; at most {maxLength} are allowed"));
                return;
            }

            if (Str(schema, "pattern") is { } pattern)
            {
                CheckPattern(text, pattern, path, errors);
            }
        }
        else if (value.GetValueKind() == JsonValueKind.Number)
        {
            var number = value.GetValue<double>();
            if (schema["minimum"] is { } minimum && number < minimum.GetValue<double>())
            {
                errors.Add(new(path, $"{value.ToJsonString()} is below the minimum of {minimum.ToJsonString()}"));
            }

            if (schema["maximum"] is { } maximum && number > maximum.GetValue<double>())
            {
                errors.Add(new(path, $"{value.ToJsonString()} is above the maximum of {maximum.ToJsonString()}"));
            }

            if (Str(schema, "format") == "int32" && (number > int.MaxValue || number < int.MinValue))
            {
                errors.Add(new(path, $"{value.ToJsonString()} does not fit a 32-bit integer"));
            }
        }
    }

    // The pattern identifies the syntax, so the message can say what is expected in words and
    // the value can be checked beyond what a regular expression can (cron ranges, overflow).
    private static void CheckPattern(string text, string pattern, string path, List<ValidationError> errors)
    {
        var matches = Patterns.GetOrAdd(pattern, p => new Regex(p, RegexOptions.CultureInvariant)).IsMatch(text);
        switch (pattern)
        {
            case Formats.GoDurationPattern:
                if (!matches || !GoDuration.TryParse(text, out _))
                {
                    errors.Add(new(path, $"\"{text}\" is not a duration; write it in Go syntax such as 30s, 10m or 1h30m"));
                }

                return;
            case Formats.QuantityPattern:
                if (!matches || !QuantityParser.TryParse(text, out _))
                {
                    errors.Add(new(path, $"\"{text}\" is not a Kubernetes quantity such as 500m, 2, 512Mi or 4Gi"));
                }

                return;
            case Formats.CronPattern:
                if (!CronExpression.TryParse(text, out _, out var cronError))
                {
                    errors.Add(new(path, cronError!));
                }

                return;
            case Formats.Dns1123LabelPattern:
                if (!matches)
                {
                    errors.Add(new(path, NameRules.CheckLabel(text)!));
                }

                return;
            case Formats.Dns1123SubdomainPattern:
                if (!matches)
                {
                    errors.Add(new(path, NameRules.CheckSubdomain(text)!));
                }

                return;
            case Formats.HttpUrlPattern:
                if (!matches || !Uri.TryCreate(text, UriKind.Absolute, out _))
                {
                    errors.Add(new(path, $"\"{text}\" is not an absolute http:// or https:// URL (e.g. http://ollama.default.svc:11434/v1)"));
                }

                return;
            default:
                if (!matches)
                {
                    errors.Add(new(path, $"\"{text}\" does not match the pattern {pattern}"));
                }

                return;
        }
    }

    private static bool HasType(JsonNode value, string type) => type switch
    {
        "object" => value is JsonObject,
        "array" => value is JsonArray,
        "string" => value is JsonValue && value.GetValueKind() == JsonValueKind.String,
        "boolean" => value is JsonValue && value.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
        "integer" => IsInteger(value),
        "number" => value is JsonValue && value.GetValueKind() == JsonValueKind.Number,
        _ => true,
    };

    private static bool IsInteger(JsonNode value) =>
        value is JsonValue && value.GetValueKind() == JsonValueKind.Number
        && double.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
        && Math.Abs(d % 1) < double.Epsilon;

    private static string Article(string type) => type switch
    {
        "object" => "an object (a map of fields)",
        "array" => "a list",
        "integer" => "an integer",
        "boolean" => "a boolean (true or false)",
        _ => "a " + type,
    };

    private static string Describe(JsonNode value) => value switch
    {
        JsonObject => "an object",
        JsonArray => "a list",
        _ => value.GetValueKind() switch
        {
            JsonValueKind.String => $"the string {Quote(value)}",
            JsonValueKind.Number => $"the number {value.ToJsonString()}",
            JsonValueKind.True or JsonValueKind.False => $"the boolean {value.ToJsonString()}",
            _ => value.ToJsonString(),
        },
    };

    private static string Quote(JsonNode value) =>
        value.GetValueKind() == JsonValueKind.String ? $"\"{value.GetValue<string>()}\"" : value.ToJsonString();

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;

    private static string? Str(JsonObject schema, string key) =>
        schema[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static bool Bool(JsonObject schema, string key) =>
        schema[key] is JsonValue v && v.GetValueKind() == JsonValueKind.True;

    /// <summary>The known name a typo most likely meant: same letters ignoring case, or at most two edits away.</summary>
    private static string? Closest(string name, IReadOnlyList<string> known)
    {
        var exact = known.FirstOrDefault(k => k.Equals(name, StringComparison.OrdinalIgnoreCase));
        if (exact is not null)
        {
            return exact;
        }

        return known.Select(k => (Name: k, Distance: Distance(name.ToLowerInvariant(), k.ToLowerInvariant())))
            .Where(c => c.Distance <= 2)
            .OrderBy(c => c.Distance)
            .Select(c => c.Name)
            .FirstOrDefault();
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
