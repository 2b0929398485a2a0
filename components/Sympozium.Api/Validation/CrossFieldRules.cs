using System.Text.Json;
using System.Text.Json.Nodes;
using Sympozium.Api.Kinds;

namespace Sympozium.Api.Validation;

/// <summary>
/// Rules a schema cannot express: uniqueness within lists, one-of fields and combinations the
/// controller would otherwise reject only when a run starts. Runs only on values that passed
/// their own type checks (anything else is skipped; the schema already reported it).
/// </summary>
internal static class CrossFieldRules
{
    /// <summary>Feature gates SympoziumPolicy understands.</summary>
    public static readonly IReadOnlyList<string> FeatureGates = ["code-execution", "sub-agents", "browser-automation", "file-access"];

    public static void Check(KindInfo kind, JsonObject spec, List<ValidationError> errors)
    {
        switch (kind.Kind)
        {
            case SympoziumInstance.KindName:
                Unique(spec["channels"], "type", "spec.channels", errors);
                Unique(spec["mcpServers"], "name", "spec.mcpServers", errors);
                Unique(spec["mcpServers"], "toolsPrefix", "spec.mcpServers", errors);
                SkillRefs(spec["skills"], "spec.skills", errors);
                if (spec["agents"]?["default"] is JsonObject defaults)
                {
                    Lifecycle(defaults["lifecycle"], "spec.agents.default.lifecycle", errors);
                    PositiveDuration(defaults, "runTimeout", "spec.agents.default", errors);
                }

                break;
            case AgentRun.KindName:
                SkillRefs(spec["skills"], "spec.skills", errors);
                Lifecycle(spec["lifecycle"], "spec.lifecycle", errors);
                PositiveDuration(spec, "timeout", "spec", errors);
                foreach (var (name, _) in spec["env"] as JsonObject ?? [])
                {
                    if (Sympozium.Api.WellKnown.EnvironmentVariables.IsReservedForController(name))
                    {
                        errors.Add(new($"spec.env.{name}", "is set by the controller and decides what the agent may do or who it is; remove it (what a run may do is set by its governing SympoziumPolicy)"));
                    }
                }

                if (Bool(spec["sandbox"]?["enabled"]) && Bool(spec["agentSandbox"]?["enabled"]))
                {
                    errors.Add(new("spec.agentSandbox.enabled", "cannot be true together with spec.sandbox.enabled: choose the sandbox sidecar or the agent-sandbox backend"));
                }

                break;
            case SkillPack.KindName:
                Unique(spec["skills"], "name", "spec.skills", errors);
                Unique(spec["sidecar"]?["ports"], "name", "spec.sidecar.ports", errors);
                Unique(spec["sidecar"]?["ports"], "containerPort", "spec.sidecar.ports", errors);
                break;
            case SympoziumPolicy.KindName:
                Unique(spec["toolGating"]?["rules"], "tool", "spec.toolGating.rules", errors);
                if (spec["featureGates"] is JsonObject gates)
                {
                    foreach (var (gate, _) in gates)
                    {
                        if (!FeatureGates.Contains(gate))
                        {
                            errors.Add(new($"spec.featureGates[{gate}]", $"\"{gate}\" is not one of {string.Join(", ", FeatureGates)}", FeatureGates));
                        }
                    }
                }

                break;
            case PersonaPack.KindName:
                PersonaPackRules(spec, errors);
                break;
            case MCPServer.KindName:
                var hasUrl = Str(spec["url"]) is { Length: > 0 };
                if (!hasUrl && spec["deployment"] is null)
                {
                    errors.Add(new("spec", "set spec.url for an external server or spec.deployment for one the controller runs"));
                }

                if (!hasUrl && Str(spec["transportType"]) == "stdio" && spec["deployment"] is JsonObject deployment && Str(deployment["cmd"]) is not { Length: > 0 })
                {
                    errors.Add(new("spec.deployment.cmd", "required for stdio servers: the server binary the adapter starts"));
                }

                break;
            case SympoziumConfig.KindName:
                if (spec["gateway"] is JsonObject gateway && Bool(gateway["tls"]?["enabled"]) && Str(gateway["baseDomain"]) is not { Length: > 0 })
                {
                    errors.Add(new("spec.gateway.tls.enabled", "needs spec.gateway.baseDomain: the HTTPS listener serves *.<baseDomain>"));
                }

                break;
        }
    }

    private static void PersonaPackRules(JsonObject spec, List<ValidationError> errors)
    {
        Unique(spec["personas"], "name", "spec.personas", errors);
        var names = (spec["personas"] as JsonArray)?.Select(p => Str(p?["name"])).OfType<string>().ToHashSet(StringComparer.Ordinal) ?? [];
        if (spec["personas"] is JsonArray personas)
        {
            for (var i = 0; i < personas.Count; i++)
            {
                var path = $"spec.personas[{i}]";
                if (personas[i]?["schedule"] is JsonObject schedule)
                {
                    if (Str(schedule["cron"]) is not { Length: > 0 } && Str(schedule["interval"]) is not { Length: > 0 })
                    {
                        errors.Add(new($"{path}.schedule", "set cron (e.g. \"0 9 * * *\") or interval (e.g. 30m)"));
                    }

                    PositiveDuration(schedule, "interval", $"{path}.schedule", errors);
                }

                Lifecycle(personas[i]?["lifecycle"], $"{path}.lifecycle", errors);
            }
        }

        if (spec["relationships"] is JsonArray relationships)
        {
            for (var i = 0; i < relationships.Count; i++)
            {
                foreach (var end in new[] { "source", "target" })
                {
                    if (Str(relationships[i]?[end]) is { Length: > 0 } persona && !names.Contains(persona))
                    {
                        errors.Add(new($"spec.relationships[{i}].{end}", $"\"{persona}\" is not a persona of this pack; personas are {string.Join(", ", names)}", [.. names]));
                    }
                }
            }
        }
    }

    private static void Lifecycle(JsonNode? lifecycle, string path, List<ValidationError> errors)
    {
        if (lifecycle is not JsonObject hooks)
        {
            return;
        }

        Unique(hooks["preRun"], "name", path + ".preRun", errors);
        Unique(hooks["postRun"], "name", path + ".postRun", errors);
        if (hooks["preRun"] is JsonArray preRun)
        {
            for (var i = 0; i < preRun.Count; i++)
            {
                if (Bool(preRun[i]?["gate"]))
                {
                    errors.Add(new($"{path}.preRun[{i}].gate", "only postRun hooks can gate the response"));
                }
            }
        }

        if (hooks["postRun"] is JsonArray postRun)
        {
            var gates = Enumerable.Range(0, postRun.Count).Where(i => Bool(postRun[i]?["gate"])).ToList();
            if (gates.Count > 1)
            {
                errors.Add(new($"{path}.postRun[{gates[1]}].gate", $"at most one postRun hook may be a gate; hooks {string.Join(", ", gates)} all are"));
            }
        }
    }

    private static void SkillRefs(JsonNode? skills, string path, List<ValidationError> errors)
    {
        if (skills is not JsonArray list)
        {
            return;
        }

        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is JsonObject skill && Str(skill["skillPackRef"]) is not { Length: > 0 } && Str(skill["configMapRef"]) is not { Length: > 0 })
            {
                errors.Add(new($"{path}[{i}]", "set skillPackRef (a SkillPack name) or configMapRef (a ConfigMap of skill documents)"));
            }
        }
    }

    private static void PositiveDuration(JsonObject owner, string field, string path, List<ValidationError> errors)
    {
        if (Str(owner[field]) is { } text && GoDuration.TryParse(text, out var value) && value <= TimeSpan.Zero)
        {
            errors.Add(new($"{path}.{field}", $"\"{text}\" must be longer than zero"));
        }
    }

    private static void Unique(JsonNode? list, string key, string path, List<ValidationError> errors)
    {
        if (list is not JsonArray array)
        {
            return;
        }

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i]?[key] is JsonValue value && value.GetValueKind() is JsonValueKind.String or JsonValueKind.Number)
            {
                var text = value.ToJsonString();
                if (seen.TryGetValue(text, out var first))
                {
                    errors.Add(new($"{path}[{i}].{key}", $"{text} is already used by {path}[{first}]; each {key} must be unique"));
                }
                else
                {
                    seen[text] = i;
                }
            }
        }
    }

    private static bool Bool(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.True;

    private static string? Str(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
}
