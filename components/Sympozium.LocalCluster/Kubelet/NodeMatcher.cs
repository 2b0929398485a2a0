using System.Globalization;
using System.Text.Json.Nodes;
using Sympozium.LocalCluster.Storage;

namespace Sympozium.LocalCluster.Kubelet;

/// <summary>Scheduling predicates on node labels: nodeSelector and required node affinity.</summary>
internal static class NodeMatcher
{
    public static bool Fits(JsonObject pod, JsonObject node)
    {
        var labels = ObjectMetadata.Labels(node);
        if (pod["spec"]?["nodeSelector"] is JsonObject selector)
        {
            foreach (var (key, value) in selector)
            {
                if (!labels.TryGetValue(key, out var actual) || actual != value?.ToString())
                {
                    return false;
                }
            }
        }

        var terms = pod["spec"]?["affinity"]?["nodeAffinity"]?["requiredDuringSchedulingIgnoredDuringExecution"]?["nodeSelectorTerms"] as JsonArray;
        if (terms is null || terms.Count == 0)
        {
            return true;
        }

        // Terms are ORed; expressions within a term are ANDed.
        return terms.OfType<JsonObject>().Any(term => TermMatches(term, labels, ObjectMetadata.Name(node)));
    }

    private static bool TermMatches(JsonObject term, IReadOnlyDictionary<string, string> labels, string nodeName)
    {
        var expressions = term["matchExpressions"] as JsonArray ?? [];
        var fields = term["matchFields"] as JsonArray ?? [];
        if (expressions.Count == 0 && fields.Count == 0)
        {
            return false; // an empty term matches nothing
        }

        foreach (var e in expressions.OfType<JsonObject>())
        {
            if (!ExpressionMatches(e, labels))
            {
                return false;
            }
        }

        foreach (var e in fields.OfType<JsonObject>())
        {
            if (e["key"]?.ToString() != "metadata.name" || !ExpressionMatches(e, new Dictionary<string, string> { ["metadata.name"] = nodeName }))
            {
                return false;
            }
        }

        return true;
    }

    private static bool ExpressionMatches(JsonObject e, IReadOnlyDictionary<string, string> labels)
    {
        var key = e["key"]?.ToString() ?? "";
        var values = (e["values"] as JsonArray ?? []).Select(v => v?.ToString() ?? "").ToList();
        var has = labels.TryGetValue(key, out var actual);
        return e["operator"]?.ToString() switch
        {
            "In" => has && values.Contains(actual!),
            "NotIn" => !has || !values.Contains(actual!),
            "Exists" => has,
            "DoesNotExist" => !has,
            "Gt" => has && long.TryParse(actual, CultureInfo.InvariantCulture, out var a) && values.Count == 1 && long.TryParse(values[0], CultureInfo.InvariantCulture, out var b) && a > b,
            "Lt" => has && long.TryParse(actual, CultureInfo.InvariantCulture, out var c) && values.Count == 1 && long.TryParse(values[0], CultureInfo.InvariantCulture, out var d) && c < d,
            _ => false,
        };
    }

    /// <summary>The PodScheduled=False message of a pod no node fits, naming what it asked for.</summary>
    public static string UnschedulableMessage(JsonObject pod, int nodes)
    {
        var wanted = new List<string>();
        if (pod["spec"]?["nodeSelector"] is JsonObject selector && selector.Count > 0)
        {
            wanted.Add("nodeSelector " + string.Join(",", selector.Select(s => $"{s.Key}={s.Value}")));
        }

        if (pod["spec"]?["affinity"]?["nodeAffinity"]?["requiredDuringSchedulingIgnoredDuringExecution"] is JsonObject required)
        {
            wanted.Add("required node affinity " + required.ToJsonString());
        }

        return $"0/{nodes} nodes are available: {nodes} node(s) didn't match Pod's node affinity/selector ({string.Join("; ", wanted)}). "
            + "preemption: 0/" + nodes + " nodes are available: " + nodes + " Preemption is not helpful for scheduling.";
    }
}

/// <summary>
/// Loopback addresses for pods in 127.1.0.1–127.255.255.254 (127.0.0.x stays the host's), each its
/// own so ports never clash. Each cluster starts at a random point of that range, so two local
/// clusters on one machine (a demo beside a test run) do not hand out the same addresses.
/// </summary>
internal sealed class PodAddresses
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);
    private int _next = Random.Shared.Next(0xFEFFFE);

    public void Reserve(string address)
    {
        lock (_gate)
        {
            _used.Add(address);
        }
    }

    public string Allocate()
    {
        lock (_gate)
        {
            for (var tries = 0; tries < 0xFEFFFF; tries++)
            {
                var n = _next++ % 0xFEFFFE;
                var address = string.Create(CultureInfo.InvariantCulture, $"127.{1 + (n >> 16)}.{(n >> 8) & 0xFF}.{1 + (n & 0xFF) % 254}");
                if (_used.Add(address))
                {
                    return address;
                }
            }

            throw new InvalidOperationException("no free loopback address for a pod");
        }
    }

    public void Release(string? address)
    {
        if (address is null)
        {
            return;
        }

        lock (_gate)
        {
            _used.Remove(address);
        }
    }
}
