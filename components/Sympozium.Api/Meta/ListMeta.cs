using System.Text.Json.Serialization;

namespace Sympozium.Api.Meta;

/// <summary>Metadata of a list response: the collection's resourceVersion and paging token.</summary>
public sealed class ListMeta
{
    public string? ResourceVersion { get; set; }

    [JsonPropertyName("continue")]
    public string? Continue { get; set; }

    public long? RemainingItemCount { get; set; }
}
