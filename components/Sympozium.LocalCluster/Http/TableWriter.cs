using System.Globalization;
using System.Text.Json.Nodes;
using Sympozium.LocalCluster.Resources;
using Sympozium.LocalCluster.Storage;

namespace Sympozium.LocalCluster.Http;

/// <summary>
/// Server-side printing: the meta.k8s.io/v1 Table kubectl asks for with
/// <c>Accept: application/json;as=Table;v=v1;g=meta.k8s.io</c>. Columns are NAME, the type's
/// columns (a CRD's additionalPrinterColumns) and AGE unless the type declares its own.
/// </summary>
internal static class TableWriter
{
    public static bool Wanted(string? accept) =>
        accept is not null && accept.Contains("as=Table", StringComparison.Ordinal);

    public static JsonObject Table(ResourceType type, IEnumerable<JsonObject> objects, long resourceVersion, string? continueToken, bool includeObject, DateTimeOffset now)
    {
        var columns = Columns(type);
        var definitions = new JsonArray();
        foreach (var column in columns)
        {
            definitions.Add((JsonNode)new JsonObject
            {
                ["name"] = column.Name,
                ["type"] = column.Type,
                ["format"] = column.Format,
                ["description"] = column.Description.Length > 0 ? column.Description : column.Name,
                ["priority"] = column.Priority,
            });
        }

        var rows = new JsonArray();
        foreach (var obj in objects)
        {
            var cells = new JsonArray();
            foreach (var column in columns)
            {
                cells.Add(Cell(obj, column, now));
            }

            rows.Add((JsonNode)new JsonObject { ["cells"] = cells, ["object"] = includeObject ? obj.DeepClone() : PartialMetadata(obj) });
        }

        var metadata = new JsonObject { ["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture) };
        if (continueToken is not null)
        {
            metadata["continue"] = continueToken;
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = metadata,
            ["columnDefinitions"] = definitions,
            ["rows"] = rows,
        };
    }

    /// <summary>kubectl's age format: 45s, 3m12s, 5m, 2h10m, 3d4h, 12d.</summary>
    public static string Age(DateTimeOffset since, DateTimeOffset now)
    {
        var d = now - since;
        if (d < TimeSpan.Zero)
        {
            d = TimeSpan.Zero;
        }

        return d.TotalSeconds < 120 ? $"{(int)d.TotalSeconds}s"
            : d.TotalMinutes < 10 ? $"{(int)d.TotalMinutes}m{d.Seconds}s"
            : d.TotalHours < 3 ? $"{(int)d.TotalMinutes}m"
            : d.TotalHours < 8 ? $"{(int)d.TotalHours}h{d.Minutes}m"
            : d.TotalDays < 2 ? $"{(int)d.TotalHours}h"
            : d.TotalDays < 8 ? $"{(int)d.TotalDays}d{d.Hours}h"
            : $"{(int)d.TotalDays}d";
    }

    private static List<PrinterColumn> Columns(ResourceType type)
    {
        var columns = new List<PrinterColumn> { new("Name", "string", ".metadata.name", "name", "Name must be unique within a namespace.") };
        columns.AddRange(type.Columns);
        if (!type.Columns.Any(c => c.JsonPath == ".metadata.creationTimestamp"))
        {
            columns.Add(new PrinterColumn("Age", "date", ".metadata.creationTimestamp", "", "CreationTimestamp of the object."));
        }

        return columns;
    }

    private static JsonNode? Cell(JsonObject obj, PrinterColumn column, DateTimeOffset now)
    {
        var values = JsonPathValue.Select(obj, column.JsonPath);
        if (values.Count == 0)
        {
            return column.Type is "integer" or "number" or "boolean" ? null : "";
        }

        if (column.Type == "date")
        {
            return DateTimeOffset.TryParse(JsonPathValue.Text(obj, column.JsonPath), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                ? Age(at, now)
                : "<unknown>";
        }

        return values.Count == 1 && column.Type is "integer" or "number" or "boolean"
            ? values[0].DeepClone()
            : JsonPathValue.Text(obj, column.JsonPath);
    }

    private static JsonObject PartialMetadata(JsonObject obj) => new()
    {
        ["kind"] = "PartialObjectMetadata",
        ["apiVersion"] = "meta.k8s.io/v1",
        ["metadata"] = ObjectMetadata.Meta(obj).DeepClone(),
    };
}
