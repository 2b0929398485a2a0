using System.Text.Json.Nodes;
using Sympozium.LocalCluster.Storage;

namespace Sympozium.LocalCluster.Controllers;

/// <summary>
/// Endpoints for every Service with a selector: the pods it selects that have a status.podIP and
/// are not being deleted, Ready ones under addresses and the others under notReadyAddresses
/// (all under addresses with publishNotReadyAddresses), one subset per distinct set of resolved
/// ports (targetPort by number, or by name through the pod's container ports). Endpoints this
/// controller wrote are deleted with their Service. EndpointSlices are not served.
/// </summary>
internal sealed class EndpointsController(ObjectStore store, TimeProvider time)
{
    private const string TriggerAnnotation = "endpoints.kubernetes.io/last-change-trigger-time";

    public void Reconcile(IReadOnlyList<JsonObject> pods)
    {
        var services = store.All("services").Select(s => s.Object).ToList();
        var serviceKeys = services.Select(s => (ObjectMetadata.Namespace(s), ObjectMetadata.Name(s))).ToHashSet();
        foreach (var service in services)
        {
            if (service["spec"]?["selector"] is not JsonObject { Count: > 0 })
            {
                continue;
            }

            try
            {
                Sync(service, pods);
            }
            catch (StoreException)
            {
            }
        }

        foreach (var (_, endpoints) in store.All("endpoints"))
        {
            if (!serviceKeys.Contains((ObjectMetadata.Namespace(endpoints), ObjectMetadata.Name(endpoints)))
                && ObjectMetadata.StringMap(endpoints, "annotations").ContainsKey(TriggerAnnotation))
            {
                try
                {
                    store.Delete("endpoints", ObjectMetadata.Namespace(endpoints), ObjectMetadata.Name(endpoints));
                }
                catch (StoreException)
                {
                }
            }
        }
    }

    private void Sync(JsonObject service, IReadOnlyList<JsonObject> pods)
    {
        var ns = ObjectMetadata.Namespace(service);
        var name = ObjectMetadata.Name(service);
        var selector = service["spec"]!["selector"]!.AsObject();
        var publishNotReady = service["spec"]?["publishNotReadyAddresses"]?.GetValue<bool>() == true;
        var subsets = new Dictionary<string, (JsonArray Ports, JsonArray Ready, JsonArray NotReady)>(StringComparer.Ordinal);
        foreach (var pod in pods.Where(p => ObjectMetadata.Namespace(p) == ns && !Objects.Deleting(p) && !Objects.Terminal(p)))
        {
            var podLabels = ObjectMetadata.Labels(pod);
            if (!selector.All(s => podLabels.GetValueOrDefault(s.Key) == s.Value?.GetValue<string>()))
            {
                continue;
            }

            var ip = pod["status"]?["podIP"]?.GetValue<string>();
            if (string.IsNullOrEmpty(ip))
            {
                continue;
            }

            var ports = new JsonArray();
            foreach (var port in (service["spec"]?["ports"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (ResolvePort(port, pod) is { } number)
                {
                    var entry = new JsonObject();
                    if (port["name"]?.GetValue<string>() is { Length: > 0 } portName)
                    {
                        entry["name"] = portName;
                    }

                    entry["port"] = number;
                    entry["protocol"] = port["protocol"]?.GetValue<string>() ?? "TCP";
                    ports.Add((JsonNode)entry);
                }
            }

            var key = ports.ToJsonString();
            if (!subsets.TryGetValue(key, out var subset))
            {
                subset = (ports, [], []);
                subsets[key] = subset;
            }

            var address = new JsonObject { ["ip"] = ip };
            if (pod["spec"]?["nodeName"]?.GetValue<string>() is { Length: > 0 } node)
            {
                address["nodeName"] = node;
            }

            address["targetRef"] = new JsonObject
            {
                ["kind"] = "Pod",
                ["namespace"] = ns,
                ["name"] = ObjectMetadata.Name(pod),
                ["uid"] = Objects.Uid(pod),
            };
            (Objects.Ready(pod) || publishNotReady ? subset.Ready : subset.NotReady).Add((JsonNode)address);
        }

        var wanted = new JsonArray();
        foreach (var (_, (ports, ready, notReady)) in subsets.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var subset = new JsonObject();
            if (ready.Count > 0)
            {
                subset["addresses"] = ready;
            }

            if (notReady.Count > 0)
            {
                subset["notReadyAddresses"] = notReady;
            }

            if (ports.Count > 0)
            {
                subset["ports"] = ports;
            }

            wanted.Add((JsonNode)subset);
        }

        var existing = store.TryGet("endpoints", ns, name);
        var labels = service["metadata"]?["labels"]?.DeepClone() as JsonObject ?? new JsonObject();
        if (existing is null)
        {
            var created = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Endpoints",
                ["metadata"] = new JsonObject
                {
                    ["name"] = name,
                    ["namespace"] = ns,
                    ["labels"] = labels,
                    ["annotations"] = new JsonObject { [TriggerAnnotation] = Objects.Timestamp(time.GetUtcNow()) },
                },
            };
            if (wanted.Count > 0)
            {
                created["subsets"] = wanted;
            }

            store.Create("endpoints", created);
            return;
        }

        var current = existing["subsets"] as JsonArray ?? [];
        if (JsonNode.DeepEquals(current, wanted) && JsonNode.DeepEquals(existing["metadata"]?["labels"] ?? new JsonObject(), labels))
        {
            return;
        }

        var copy = existing.DeepClone().AsObject();
        ObjectMetadata.Meta(copy)["labels"] = labels;
        if (wanted.Count > 0)
        {
            copy["subsets"] = wanted;
        }
        else
        {
            copy.Remove("subsets");
        }

        store.Update("endpoints", copy, UpdateMode.All);
    }

    /// <summary>The pod port a Service port reaches: targetPort as a number, or by name among the containers' ports; port when absent.</summary>
    private static long? ResolvePort(JsonObject servicePort, JsonObject pod)
    {
        var target = servicePort["targetPort"];
        if (target is JsonValue value && value.TryGetValue<string>(out var name))
        {
            if (long.TryParse(name, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
            {
                return parsed;
            }

            return (pod["spec"]?["containers"] as JsonArray ?? []).OfType<JsonObject>()
                .SelectMany(c => (c["ports"] as JsonArray ?? []).OfType<JsonObject>())
                .Where(p => p["name"]?.GetValue<string>() == name)
                .Select(p => (long?)Objects.Long(p["containerPort"], 0))
                .FirstOrDefault();
        }

        return target is null ? Objects.Long(servicePort["port"], 0) : Objects.Long(target, 0);
    }
}
