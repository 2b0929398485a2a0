using System.Text.Json.Nodes;

namespace Sympozium.LocalCluster.Resources;

/// <summary>
/// Everything the server knows about one served resource: its names for discovery, scope,
/// subresources, Table columns and, for CRD kinds, the structural schema the store enforces.
/// </summary>
public sealed record ResourceType
{
    public required ResourceKey Key { get; init; }

    public required string Kind { get; init; }

    public string Singular { get; init; } = "";

    public bool Namespaced { get; init; } = true;

    public IReadOnlyList<string> ShortNames { get; init; } = [];

    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>Subresources such as "status", "scale", "log" (served as plural/subresource).</summary>
    public IReadOnlyList<string> Subresources { get; init; } = [];

    /// <summary>Columns after NAME (AGE is included by the caller where wanted).</summary>
    public IReadOnlyList<PrinterColumn> Columns { get; init; } = [];

    /// <summary>The openAPIV3Schema of a CRD version; null for built-ins (stored schemaless).</summary>
    public JsonObject? Schema { get; init; }

    /// <summary>True for kinds defined by a CustomResourceDefinition.</summary>
    public bool IsCustom { get; init; }

    /// <summary>The CRD version flagged storage: true (other served versions alias it).</summary>
    public bool IsStorageVersion { get; init; } = true;

    public string ListKind => Kind + "List";

    public bool HasStatus => Subresources.Contains("status");

    public static readonly IReadOnlyList<string> AllVerbs =
        ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
}
