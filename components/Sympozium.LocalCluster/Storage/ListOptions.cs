namespace Sympozium.LocalCluster.Storage;

/// <summary>What a list or watch selects: namespace (null: all), selectors, page size and token.</summary>
public sealed record ListOptions
{
    public string? Namespace { get; init; }

    public LabelSelector Labels { get; init; } = LabelSelector.Everything;

    public FieldSelector Fields { get; init; } = FieldSelector.Everything;

    /// <summary>Page size; 0 for no limit.</summary>
    public int Limit { get; init; }

    /// <summary>The continue token of the previous page.</summary>
    public string? Continue { get; init; }

    public static ListOptions All { get; } = new();
}

/// <summary>One page of a list: deep copies of the objects, the store's resourceVersion, the next token.</summary>
public sealed record ListResult(IReadOnlyList<System.Text.Json.Nodes.JsonObject> Items, long ResourceVersion, string? Continue, long? RemainingItemCount);
