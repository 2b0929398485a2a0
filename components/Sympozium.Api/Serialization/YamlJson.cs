using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Sympozium.Api.Serialization;

/// <summary>
/// Converts between YAML manifests and <see cref="JsonNode"/> trees, resolving plain scalars with
/// the YAML 1.2 core schema the way kubectl does (unquoted <c>true</c> is a boolean, <c>"true"</c>
/// a string). Typed objects then go through <see cref="SympoziumJsonContext"/>: no reflection.
/// </summary>
public static partial class YamlJson
{
    /// <summary>Parses every document of a (possibly multi-document) YAML stream; empty documents are skipped.</summary>
    /// <exception cref="FormatException">The text is not valid YAML; the message names the line and column.</exception>
    public static IReadOnlyList<JsonNode> ParseDocuments(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new FormatException($"invalid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message}", e);
        }

        var documents = new List<JsonNode>();
        foreach (var document in stream.Documents)
        {
            if (ToJson(document.RootNode) is { } node)
            {
                documents.Add(node);
            }
        }

        return documents;
    }

    /// <summary>Parses a single YAML (or JSON, which is YAML) document.</summary>
    public static JsonNode Parse(string yaml)
    {
        var documents = ParseDocuments(yaml);
        return documents.Count switch
        {
            1 => documents[0],
            0 => throw new FormatException("the YAML text holds no document"),
            _ => throw new FormatException($"expected one YAML document, found {documents.Count}"),
        };
    }

    /// <summary>Writes a JSON tree as block-style YAML (two-space indent, literal blocks for multi-line text).</summary>
    public static string Write(JsonNode? node)
    {
        var sb = new StringBuilder();
        WriteValue(sb, node, 0, inSequence: false, isRoot: true);
        if (sb.Length == 0 || sb[^1] != '\n')
        {
            sb.Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>Writes several documents separated by <c>---</c>.</summary>
    public static string WriteDocuments(IEnumerable<JsonNode> documents) =>
        string.Join("---\n", documents.Select(Write));

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => ToObject(map),
        YamlSequenceNode seq => new JsonArray([.. seq.Children.Select(ToJson)]),
        YamlScalarNode scalar => ToScalar(scalar),
        _ => throw new FormatException($"unsupported YAML node at line {node.Start.Line}"),
    };

    private static JsonObject ToObject(YamlMappingNode map)
    {
        var obj = new JsonObject();
        foreach (var (keyNode, valueNode) in map.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key })
            {
                throw new FormatException($"mapping keys must be plain strings (line {keyNode.Start.Line})");
            }

            obj[key] = ToJson(valueNode);
        }

        return obj;
    }

    private static JsonNode? ToScalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        if (tag is "tag:yaml.org,2002:str" || scalar.Style != ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }

        return ResolvePlain(text);
    }

    private static JsonNode? ResolvePlain(string text)
    {
        if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (text is "true" or "True" or "TRUE")
        {
            return JsonValue.Create(true);
        }

        if (text is "false" or "False" or "FALSE")
        {
            return JsonValue.Create(false);
        }

        if (IntegerPattern().IsMatch(text))
        {
            return JsonNode.Parse(text.TrimStart('+'));
        }

        if (HexPattern().IsMatch(text))
        {
            return JsonValue.Create(long.Parse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        }

        if (FloatPattern().IsMatch(text))
        {
            var normalized = text.TrimStart('+');
            if (normalized.StartsWith('.') || normalized.StartsWith("-.", StringComparison.Ordinal))
            {
                normalized = normalized.Replace(".", "0.", StringComparison.Ordinal);
            }

            if (normalized.EndsWith('.'))
            {
                normalized += "0";
            }

            return JsonNode.Parse(normalized);
        }

        return JsonValue.Create(text);
    }

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^0x[0-9a-fA-F]+$")]
    private static partial Regex HexPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();

    [GeneratedRegex(@"^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|\.inf|\.Inf|\.INF|-\.inf|\.nan|\.NaN|\.NAN|<<|=)$")]
    private static partial Regex Yaml11Specials();

    private static void WriteValue(StringBuilder sb, JsonNode? node, int indent, bool inSequence, bool isRoot = false)
    {
        switch (node)
        {
            case JsonObject obj when obj.Count > 0:
                if (!isRoot && !inSequence)
                {
                    sb.Append('\n');
                }

                var first = true;
                foreach (var (key, value) in obj)
                {
                    if (!(first && inSequence))
                    {
                        sb.Append(' ', indent);
                    }

                    first = false;
                    sb.Append(FormatKey(key)).Append(':');
                    WriteMember(sb, value, indent);
                }

                break;
            case JsonObject:
                sb.Append(isRoot ? "{}\n" : " {}\n");
                break;
            case JsonArray array when array.Count > 0:
                if (!isRoot && !inSequence)
                {
                    sb.Append('\n');
                }

                var firstItem = true;
                foreach (var item in array)
                {
                    if (!(firstItem && inSequence))
                    {
                        sb.Append(' ', indent);
                    }

                    firstItem = false;
                    sb.Append("- ");
                    if (item is JsonObject { Count: > 0 } or JsonArray { Count: > 0 })
                    {
                        WriteValue(sb, item, indent + 2, inSequence: true);
                    }
                    else
                    {
                        sb.Append(FormatScalarOrEmpty(item, indent + 2).TrimStart(' '));
                    }
                }

                break;
            case JsonArray:
                sb.Append(isRoot ? "[]\n" : " []\n");
                break;
            default:
                sb.Append(isRoot ? FormatScalarOrEmpty(node, indent).TrimStart(' ') : FormatScalarOrEmpty(node, indent));
                break;
        }
    }

    private static void WriteMember(StringBuilder sb, JsonNode? value, int indent)
    {
        switch (value)
        {
            case JsonObject { Count: > 0 }:
                WriteValue(sb, value, indent + 2, inSequence: false);
                break;
            case JsonArray { Count: > 0 }:
                // Sequences under a key are written at the key's indentation, as kubectl does.
                WriteValue(sb, value, indent, inSequence: false);
                break;
            default:
                WriteValue(sb, value, indent + 2, inSequence: false);
                break;
        }
    }

    /// <summary>A scalar with its leading space, or " {}"/" []" for empty containers, ending in a newline.</summary>
    private static string FormatScalarOrEmpty(JsonNode? node, int indent)
    {
        switch (node)
        {
            case null:
                return " null\n";
            case JsonObject:
                return " {}\n";
            case JsonArray:
                return " []\n";
        }

        switch (node.GetValueKind())
        {
            case JsonValueKind.String:
                var text = node.GetValue<string>();
                return " " + FormatString(text, indent) + (text.Contains('\n', StringComparison.Ordinal) && CanUseLiteralBlock(text) ? "" : "\n");
            case JsonValueKind.True:
                return " true\n";
            case JsonValueKind.False:
                return " false\n";
            case JsonValueKind.Number:
                return " " + node.ToJsonString() + "\n";
            case JsonValueKind.Null:
                return " null\n";
            default:
                throw new InvalidOperationException($"unexpected JSON value {node.GetValueKind()}");
        }
    }

    private static string FormatKey(string key) => IsSafePlain(key) ? key : Quote(key);

    private static string FormatString(string value, int indent)
    {
        if (value.Contains('\n', StringComparison.Ordinal) && CanUseLiteralBlock(value))
        {
            return LiteralBlock(value, indent);
        }

        return IsSafePlain(value) ? value : Quote(value);
    }

    private static bool CanUseLiteralBlock(string value) =>
        !value.Any(c => c != '\n' && char.IsControl(c)) && !value.Contains('\r', StringComparison.Ordinal)
        && !value.Split('\n').Any(line => line.Length > 0 && line.TrimEnd() != line);

    private static string LiteralBlock(string value, int indent)
    {
        var sb = new StringBuilder("|");
        if (value.StartsWith(' ') || value.StartsWith('\n'))
        {
            sb.Append('2');
        }

        var body = value;
        if (value.EndsWith("\n\n", StringComparison.Ordinal) || value.EndsWith('\n') && value.TrimEnd('\n').Length == 0)
        {
            sb.Append('+');
            body = value[..^1];
        }
        else if (value.EndsWith('\n'))
        {
            body = value[..^1];
        }
        else
        {
            sb.Append('-');
        }

        sb.Append('\n');
        foreach (var line in body.Split('\n'))
        {
            if (line.Length > 0)
            {
                sb.Append(' ', indent).Append(line);
            }

            sb.Append('\n');
        }

        return sb.ToString();
    }

    private static bool IsSafePlain(string value)
    {
        if (value.Length == 0 || value != value.Trim())
        {
            return false;
        }

        if ("-?:,[]{}#&*!|>'\"%@`".Contains(value[0], StringComparison.Ordinal))
        {
            // "-foo" and ":foo" are fine in YAML but kept quoted for readability and safety.
            return false;
        }

        if (value.Contains(": ", StringComparison.Ordinal) || value.Contains(" #", StringComparison.Ordinal) || value.EndsWith(':'))
        {
            return false;
        }

        if (value.Any(c => char.IsControl(c) || c == '\u0085' || c == '\u2028' || c == '\u2029' || c == '\uFEFF'))
        {
            return false;
        }

        // Anything a YAML 1.1 or 1.2 reader would turn into a non-string must be quoted.
        return ResolvePlainOrNull(value) is JsonValue v && v.GetValueKind() == JsonValueKind.String
            && !Yaml11Specials().IsMatch(value) && !value.Contains('\t', StringComparison.Ordinal);
    }

    private static JsonNode? ResolvePlainOrNull(string value)
    {
        try
        {
            return ResolvePlain(value);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Quote(string value)
    {
        // JSON string escapes are valid YAML double-quoted escapes.
        var json = JsonSerializer.Serialize(value, SympoziumJsonContext.Default.String);
        return json.Replace("\\u0027", "'", StringComparison.Ordinal).Replace("\\u003C", "<", StringComparison.Ordinal)
            .Replace("\\u003E", ">", StringComparison.Ordinal).Replace("\\u0026", "&", StringComparison.Ordinal)
            .Replace("\\u002B", "+", StringComparison.Ordinal).Replace("\\u0060", "`", StringComparison.Ordinal);
    }
}
