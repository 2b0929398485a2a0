using System.Text.Json.Nodes;

namespace Sympozium.LocalCluster.Storage;

/// <summary>
/// A parsed field selector: <c>path=value</c>, <c>path==value</c>, <c>path!=value</c> joined by
/// commas. Paths are dotted (metadata.name, metadata.namespace, spec.nodeName, status.phase,
/// involvedObject.name for events); an absent field compares as the empty string, as in
/// Kubernetes. Unlike Kubernetes, any dotted path is accepted, not only each kind's indexed set.
/// </summary>
public sealed class FieldSelector
{
    private readonly List<(string Path, bool Equal, string Value)> _terms;

    private FieldSelector(List<(string Path, bool Equal, string Value)> terms) => _terms = terms;

    public static FieldSelector Everything { get; } = new([]);

    public bool IsEmpty => _terms.Count == 0;

    public static FieldSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var terms = new List<(string, bool, string)>();
        foreach (var raw in text.Split(','))
        {
            var part = raw.Trim();
            var (symbol, equal) = part.Contains("!=", StringComparison.Ordinal) ? ("!=", false)
                : part.Contains("==", StringComparison.Ordinal) ? ("==", true)
                : part.Contains('=', StringComparison.Ordinal) ? ("=", true)
                : throw new FormatException($"invalid selector: '{text}'; can't understand '{part}'");
            var at = part.IndexOf(symbol, StringComparison.Ordinal);
            var path = part[..at].Trim();
            if (path.Length == 0)
            {
                throw new FormatException($"invalid selector: '{text}'; field label is empty in '{part}'");
            }

            terms.Add((path, equal, part[(at + symbol.Length)..].Trim()));
        }

        return new FieldSelector(terms);
    }

    public bool Matches(JsonObject obj) =>
        _terms.All(t => (ObjectMetadata.PathString(obj, t.Path) ?? "") == t.Value == t.Equal);
}
