using System.Text.Json;
using System.Text.Json.Nodes;
using Sympozium.Api.Kinds;
using Sympozium.Api.Serialization;
using Sympozium.Api.Validation;

namespace Sympozium.Webhook.Admission;

/// <summary>
/// The RBAC gate of the validating webhook (docs/design/rbac-judge.md): a SkillPack's
/// <c>spec.sidecar.rbac</c> and <c>spec.sidecar.clusterRBAC</c>, and the <c>lifecycle.rbac</c> of
/// AgentRuns, SympoziumInstances and PersonaPacks, are admitted only if
/// <see cref="RbacRuleJudge"/> grants every rule. The controller judges the same rules again when a
/// run starts, so a pack admitted before this webhook was installed still cannot escalate.
/// </summary>
public static class RbacAdmission
{
    /// <summary>
    /// A 403 naming the object, every refused field and its fix; null when nothing is refused (or
    /// the object does not decode: the manifest checks report that).
    /// </summary>
    public static AdmissionResponse? Refusal(string kind, AdmissionRequest request, JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(obj);
        IReadOnlyList<ValidationError> errors;
        try
        {
            errors = kind switch
            {
                SkillPack.KindName => RbacRuleJudge.JudgeSkillPack(obj.Deserialize(SympoziumJsonContext.Default.SkillPack)?.Spec.Sidecar, NamespaceOf(request, obj)),
                AgentRun.KindName => RbacRuleJudge.JudgeLifecycle(obj.Deserialize(SympoziumJsonContext.Default.AgentRun)?.Spec.Lifecycle, "spec.lifecycle"),
                SympoziumInstance.KindName => RbacRuleJudge.JudgeLifecycle(obj.Deserialize(SympoziumJsonContext.Default.SympoziumInstance)?.Spec.Agents?.Default?.Lifecycle, "spec.agents.default.lifecycle"),
                PersonaPack.KindName => PersonaErrors(obj.Deserialize(SympoziumJsonContext.Default.PersonaPack)),
                _ => [],
            };
        }
        catch (JsonException)
        {
            return null;
        }

        if (errors.Count == 0)
        {
            return null;
        }

        var what = $"{kind} {(NamespaceOf(request, obj) is { Length: > 0 } ns ? ns + "/" : "")}{NameOf(request, obj)}";
        return new AdmissionResponse
        {
            Uid = request.Uid,
            Allowed = false,
            Status = new AdmissionStatus
            {
                Code = 403,
                Reason = "Forbidden",
                Message = string.Join('\n', errors.Select(e => $"{what}: {e}")),
            },
        };
    }

    private static List<ValidationError> PersonaErrors(PersonaPack? pack)
    {
        var errors = new List<ValidationError>();
        var personas = pack?.Spec.Personas ?? [];
        for (var i = 0; i < personas.Count; i++)
        {
            errors.AddRange(RbacRuleJudge.JudgeLifecycle(personas[i].Lifecycle, $"spec.personas[{i}].lifecycle"));
        }

        return errors;
    }

    /// <summary>The request's namespace (the API server's word), else the object's own.</summary>
    private static string? NamespaceOf(AdmissionRequest request, JsonObject obj) =>
        request.Namespace is { Length: > 0 } ns ? ns : Text(obj["metadata"]?["namespace"]);

    private static string NameOf(AdmissionRequest request, JsonObject obj) =>
        Text(obj["metadata"]?["name"]) is { Length: > 0 } name ? name
        : request.Name is { Length: > 0 } requested ? requested
        : (Text(obj["metadata"]?["generateName"]) ?? "") + "*";

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
}
