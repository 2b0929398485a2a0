using System.Text.Json.Nodes;

namespace Sympozium.LocalCluster.Resources;

/// <summary>
/// The served resources: the built-ins plus every version of every applied CRD. Registration
/// is immediate, so a custom resource can be created right after its CRD. Readers get an
/// immutable snapshot; writers swap it.
/// </summary>
public sealed class ResourceRegistry
{
    private readonly Lock _gate = new();
    private readonly IReadOnlyList<ResourceType> _builtIns;
    private Dictionary<string, IReadOnlyList<ResourceType>> _crds = new(StringComparer.Ordinal);
    private IReadOnlyList<ResourceType> _all;

    public ResourceRegistry()
    {
        _builtIns = BuiltInResources.All;
        _all = _builtIns;
    }

    /// <summary>Every served resource, built-ins first, then CRDs by name.</summary>
    public IReadOnlyList<ResourceType> All => Volatile.Read(ref _all);

    /// <summary>The version-independent key objects of a resource are stored under ("pods", "agentruns.sympozium.ai").</summary>
    public static string StoreKey(ResourceType type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return type.Key.QualifiedPlural;
    }

    public ResourceType? Find(string group, string version, string plural) =>
        All.FirstOrDefault(t => t.Key.Group == group && t.Key.Version == version && t.Key.Plural == plural);

    /// <summary>The served type of a kind in a group/version ("ConfigMap" in "v1"), for bodies that name only their kind.</summary>
    public ResourceType? FindKind(string apiVersion, string kind) =>
        All.FirstOrDefault(t => t.Key.ApiVersion == apiVersion && t.Kind == kind);

    /// <summary>Groups and their versions in discovery order: (group, versions, preferred version).</summary>
    public IReadOnlyList<(string Group, IReadOnlyList<string> Versions, string Preferred)> Groups()
    {
        var groups = new List<(string, IReadOnlyList<string>, string)>();
        foreach (var byGroup in All.Where(t => t.Key.Group.Length > 0).GroupBy(t => t.Key.Group))
        {
            var versions = byGroup.Select(t => t.Key.Version).Distinct().ToList();
            var preferred = byGroup.FirstOrDefault(t => t.IsStorageVersion)?.Key.Version ?? versions[0];
            groups.Add((byGroup.Key, versions, preferred));
        }

        return groups;
    }

    /// <summary>Serves (or re-serves) the kinds a CustomResourceDefinition declares.</summary>
    public void RegisterCrd(JsonObject crd)
    {
        ArgumentNullException.ThrowIfNull(crd);
        var name = crd["metadata"]?["name"]?.GetValue<string>() ?? "";
        var spec = crd["spec"]?.AsObject() ?? new JsonObject();
        var group = spec["group"]?.GetValue<string>() ?? "";
        var names = spec["names"]?.AsObject() ?? new JsonObject();
        var types = new List<ResourceType>();
        foreach (var version in spec["versions"]?.AsArray() ?? [])
        {
            if (version is not JsonObject v || v["served"]?.GetValue<bool>() == false)
            {
                continue;
            }

            var subresources = new List<string>();
            if (v["subresources"]?["status"] is not null)
            {
                subresources.Add("status");
            }

            if (v["subresources"]?["scale"] is not null)
            {
                subresources.Add("scale");
            }

            types.Add(new ResourceType
            {
                Key = new ResourceKey(group, v["name"]?.GetValue<string>() ?? "v1", names["plural"]?.GetValue<string>() ?? ""),
                Kind = names["kind"]?.GetValue<string>() ?? "",
                Singular = names["singular"]?.GetValue<string>() ?? (names["kind"]?.GetValue<string>() ?? "").ToLowerInvariant(),
                Namespaced = spec["scope"]?.GetValue<string>() != "Cluster",
                ShortNames = Strings(names["shortNames"]),
                Categories = Strings(names["categories"]),
                Subresources = subresources,
                Columns = Columns(v["additionalPrinterColumns"]),
                Schema = v["schema"]?["openAPIV3Schema"]?.DeepClone().AsObject(),
                IsCustom = true,
                IsStorageVersion = v["storage"]?.GetValue<bool>() ?? true,
            });
        }

        lock (_gate)
        {
            var crds = new Dictionary<string, IReadOnlyList<ResourceType>>(_crds, StringComparer.Ordinal) { [name] = types };
            Publish(crds);
        }
    }

    public void UnregisterCrd(string name)
    {
        lock (_gate)
        {
            var crds = new Dictionary<string, IReadOnlyList<ResourceType>>(_crds, StringComparer.Ordinal);
            if (crds.Remove(name))
            {
                Publish(crds);
            }
        }
    }

    private void Publish(Dictionary<string, IReadOnlyList<ResourceType>> crds)
    {
        _crds = crds;
        Volatile.Write(ref _all, [.. _builtIns, .. crds.OrderBy(c => c.Key, StringComparer.Ordinal).SelectMany(c => c.Value)]);
    }

    private static List<string> Strings(JsonNode? node) =>
        node is JsonArray array ? array.Select(n => n?.GetValue<string>() ?? "").Where(s => s.Length > 0).ToList() : [];

    private static List<PrinterColumn> Columns(JsonNode? node)
    {
        var columns = new List<PrinterColumn>();
        foreach (var column in node as JsonArray ?? [])
        {
            if (column is JsonObject c)
            {
                columns.Add(new PrinterColumn(
                    c["name"]?.GetValue<string>() ?? "",
                    c["type"]?.GetValue<string>() ?? "string",
                    c["jsonPath"]?.GetValue<string>() ?? "",
                    c["format"]?.GetValue<string>() ?? "",
                    c["description"]?.GetValue<string>() ?? "",
                    c["priority"]?.GetValue<int>() ?? 0));
            }
        }

        return columns;
    }
}
