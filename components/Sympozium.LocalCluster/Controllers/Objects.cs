using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Sympozium.LocalCluster.Storage;

namespace Sympozium.LocalCluster.Controllers;

/// <summary>Readers and builders the controllers share: owner references, pod state, selectors, conditions, time.</summary>
internal static class Objects
{
    public static string Uid(JsonObject obj) => ObjectMetadata.String(obj, "uid") ?? "";

    public static bool Deleting(JsonObject obj) => obj["metadata"]?["deletionTimestamp"] is not null;

    public static IEnumerable<JsonObject> OwnerReferences(JsonObject obj) =>
        (obj["metadata"]?["ownerReferences"] as JsonArray ?? []).OfType<JsonObject>();

    /// <summary>The uid of the controller owner reference (controller: true); null if none.</summary>
    public static string? ControllerUid(JsonObject obj) =>
        OwnerReferences(obj).FirstOrDefault(r => r["controller"]?.GetValue<bool>() == true)?["uid"]?.GetValue<string>();

    public static JsonObject ControllerReference(JsonObject owner, string apiVersion, string kind) => new()
    {
        ["apiVersion"] = apiVersion,
        ["kind"] = kind,
        ["name"] = ObjectMetadata.Name(owner),
        ["uid"] = Uid(owner),
        ["controller"] = true,
        ["blockOwnerDeletion"] = true,
    };

    public static string? Phase(JsonObject pod) => pod["status"]?["phase"]?.GetValue<string>();

    public static bool Terminal(JsonObject pod) => Phase(pod) is "Succeeded" or "Failed";

    /// <summary>Counted as active by the workload controllers: not finished and not being deleted.</summary>
    public static bool Active(JsonObject pod) => !Terminal(pod) && !Deleting(pod);

    public static bool Ready(JsonObject pod) =>
        (pod["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>()
            .Any(c => c["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == "True");

    /// <summary>An integer field, whether parsed (JsonElement) or built in memory (int, long, double).</summary>
    public static long Long(JsonNode? node, long fallback) =>
        node is not JsonValue v ? fallback
        : v.TryGetValue<long>(out var l) ? l
        : v.TryGetValue<int>(out var i) ? i
        : v.TryGetValue<double>(out var x) ? (long)x
        : fallback;

    public static long? OptionalLong(JsonNode? node) => node is null ? null : Long(node, 0);

    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset? ParseTime(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s)
            && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    /// <summary>Matches a metav1.LabelSelector (matchLabels, matchExpressions); null or empty selects everything.</summary>
    public static bool SelectorMatches(JsonNode? selector, IReadOnlyDictionary<string, string> labels)
    {
        if (selector is not JsonObject s)
        {
            return true;
        }

        foreach (var (key, value) in s["matchLabels"] as JsonObject ?? [])
        {
            if (!labels.TryGetValue(key, out var actual) || actual != value?.GetValue<string>())
            {
                return false;
            }
        }

        foreach (var expression in (s["matchExpressions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (!ExpressionMatches(expression, labels.TryGetValue(expression["key"]?.GetValue<string>() ?? "", out var v) ? v : null))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>One matchExpression (In, NotIn, Exists, DoesNotExist; Gt, Lt for node selectors) against a value (null: absent).</summary>
    public static bool ExpressionMatches(JsonObject expression, string? value)
    {
        var values = (expression["values"] as JsonArray ?? []).Select(n => n?.GetValue<string>() ?? "").ToList();
        return expression["operator"]?.GetValue<string>() switch
        {
            "In" => value is not null && values.Contains(value),
            "NotIn" => value is null || !values.Contains(value),
            "Exists" => value is not null,
            "DoesNotExist" => value is null,
            "Gt" => long.TryParse(value, CultureInfo.InvariantCulture, out var a) && values.Count == 1 && long.TryParse(values[0], CultureInfo.InvariantCulture, out var b) && a > b,
            "Lt" => long.TryParse(value, CultureInfo.InvariantCulture, out var c) && values.Count == 1 && long.TryParse(values[0], CultureInfo.InvariantCulture, out var d) && c < d,
            _ => false,
        };
    }

    /// <summary>
    /// Sets a condition, keeping lastTransitionTime (and lastUpdateTime) when status, reason and
    /// message are unchanged so that a reconcile that changes nothing writes nothing.
    /// </summary>
    public static void SetCondition(JsonObject status, string type, string value, string reason, string message, string now, bool withUpdateTime = false)
    {
        if (status["conditions"] is not JsonArray conditions)
        {
            conditions = [];
            status["conditions"] = conditions;
        }

        var existing = conditions.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == type);
        if (existing is not null && existing["status"]?.GetValue<string>() == value
            && existing["reason"]?.GetValue<string>() == reason && existing["message"]?.GetValue<string>() == message)
        {
            return;
        }

        var transition = existing is not null && existing["status"]?.GetValue<string>() == value
            ? existing["lastTransitionTime"]?.DeepClone() ?? now
            : now;
        var condition = new JsonObject { ["type"] = type, ["status"] = value };
        if (withUpdateTime)
        {
            condition["lastUpdateTime"] = now;
        }

        condition["lastTransitionTime"] = transition;
        condition["reason"] = reason;
        condition["message"] = message;
        if (existing is not null)
        {
            conditions[conditions.IndexOf(existing)] = condition;
        }
        else
        {
            conditions.Add((JsonNode)condition);
        }
    }

    public static JsonObject? Condition(JsonObject obj, string type) =>
        (obj["status"]?["conditions"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(c => c["type"]?.GetValue<string>() == type);

    public static bool ConditionTrue(JsonObject obj, string type) => Condition(obj, type)?["status"]?.GetValue<string>() == "True";

    /// <summary>
    /// Kubernetes' pod-template-hash: FNV-1a 32 of the template, its decimal digits mapped onto
    /// the alphabet of rand.SafeEncodeString (no vowels, no look-alike digits).
    /// </summary>
    public static string TemplateHash(JsonNode? template)
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        var copy = template?.DeepClone() as JsonObject ?? new JsonObject();
        (copy["metadata"]?["labels"] as JsonObject)?.Remove("pod-template-hash");
        uint hash = 2166136261;
        foreach (var b in Encoding.UTF8.GetBytes(copy.ToJsonString()))
        {
            hash = (hash ^ b) * 16777619;
        }

        var digits = hash.ToString(CultureInfo.InvariantCulture);
        return string.Create(digits.Length, digits, (span, d) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = alphabet[d[i] % alphabet.Length];
            }
        });
    }

    /// <summary>A new pod from a template: labels and annotations copied, spec copied, phase Pending.</summary>
    public static JsonObject PodFromTemplate(JsonNode? template, string ns, string generateName, JsonObject labels, JsonObject ownerReference)
    {
        var metadata = new JsonObject
        {
            ["generateName"] = generateName,
            ["namespace"] = ns,
            ["labels"] = labels,
            ["ownerReferences"] = new JsonArray(ownerReference),
        };
        if (template?["metadata"]?["annotations"] is JsonObject annotations)
        {
            metadata["annotations"] = annotations.DeepClone();
        }

        if (template?["metadata"]?["finalizers"] is JsonArray finalizers)
        {
            metadata["finalizers"] = finalizers.DeepClone();
        }

        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = metadata,
            ["spec"] = template?["spec"]?.DeepClone() ?? new JsonObject(),
            ["status"] = new JsonObject { ["phase"] = "Pending" },
        };
    }

    public static JsonObject Labels(JsonNode? template) =>
        template?["metadata"]?["labels"]?.DeepClone() as JsonObject ?? new JsonObject();
}
