using System.Text.Json.Nodes;

namespace Sympozium.LocalCluster.Storage;

/// <summary>
/// A parsed label selector in the query-string syntax: equality (<c>a=b</c>, <c>a==b</c>,
/// <c>a!=b</c>) and set-based (<c>a in (x,y)</c>, <c>a notin (x)</c>, <c>a</c>, <c>!a</c>)
/// requirements joined by commas, all of which must hold.
/// </summary>
public sealed class LabelSelector
{
    private readonly List<Requirement> _requirements;

    private LabelSelector(List<Requirement> requirements) => _requirements = requirements;

    public static LabelSelector Everything { get; } = new([]);

    public bool IsEmpty => _requirements.Count == 0;

    /// <summary>Parses a selector; throws <see cref="FormatException"/> with the reason when malformed.</summary>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var requirements = new List<Requirement>();
        foreach (var part in SplitTopLevel(text))
        {
            requirements.Add(ParseRequirement(part.Trim(), text));
        }

        return new LabelSelector(requirements);
    }

    public bool Matches(IReadOnlyDictionary<string, string> labels) => _requirements.All(r => r.Matches(labels));

    public bool Matches(JsonObject obj) => IsEmpty || Matches(ObjectMetadata.Labels(obj));

    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }

        yield return text[start..];
    }

    private static Requirement ParseRequirement(string part, string whole)
    {
        if (part.Length == 0)
        {
            throw new FormatException($"unable to parse requirement: found empty requirement in '{whole}'");
        }

        if (part.StartsWith('!'))
        {
            return new Requirement(CheckKey(part[1..].Trim(), whole), Operator.DoesNotExist, []);
        }

        var words = part.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length >= 2 && (words[1] is "in" or "notin" || words[1].StartsWith("in(", StringComparison.Ordinal) || words[1].StartsWith("notin(", StringComparison.Ordinal)))
        {
            var key = CheckKey(words[0], whole);
            var rest = part[words[0].Length..].Trim();
            var op = rest.StartsWith("notin", StringComparison.Ordinal) ? Operator.NotIn : Operator.In;
            rest = rest[(op == Operator.NotIn ? 5 : 2)..].Trim();
            if (!rest.StartsWith('(') || !rest.EndsWith(')'))
            {
                throw new FormatException($"unable to parse requirement: found '{rest}', expected: '(' in '{whole}'");
            }

            var values = rest[1..^1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            return new Requirement(key, op, values);
        }

        foreach (var (symbol, op) in new[] { ("!=", Operator.NotEquals), ("==", Operator.Equals), ("=", Operator.Equals) })
        {
            var at = part.IndexOf(symbol, StringComparison.Ordinal);
            if (at >= 0)
            {
                return new Requirement(CheckKey(part[..at].Trim(), whole), op, [part[(at + symbol.Length)..].Trim()]);
            }
        }

        return new Requirement(CheckKey(part, whole), Operator.Exists, []);
    }

    private static string CheckKey(string key, string whole)
    {
        if (key.Length == 0 || key.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/')))
        {
            throw new FormatException($"unable to parse requirement: invalid label key \"{key}\" in '{whole}'");
        }

        return key;
    }

    private enum Operator
    {
        Equals,
        NotEquals,
        In,
        NotIn,
        Exists,
        DoesNotExist,
    }

    private sealed record Requirement(string Key, Operator Op, IReadOnlyList<string> Values)
    {
        public bool Matches(IReadOnlyDictionary<string, string> labels)
        {
            var has = labels.TryGetValue(Key, out var value);
            return Op switch
            {
                Operator.Equals or Operator.In => has && Values.Contains(value!),
                Operator.NotEquals or Operator.NotIn => !has || !Values.Contains(value!),
                Operator.Exists => has,
                _ => !has,
            };
        }
    }
}
