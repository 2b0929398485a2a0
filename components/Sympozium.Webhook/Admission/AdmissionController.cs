using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Sympozium.Api.Kinds;
using Sympozium.Api.Serialization;
using Sympozium.Api.Validation;
using Sympozium.Api.WellKnown;
using Sympozium.Kubernetes.Client;
using Sympozium.Webhook.Cluster;
using Sympozium.Webhook.Policies;

namespace Sympozium.Webhook.Admission;

/// <summary>
/// Answers AdmissionReviews. Validating: every Sympozium kind through <see cref="ManifestValidator"/>
/// (the CRD schema and the cross-field rules, every problem at once, each naming its field), then
/// the steps of docs/design/admission.md#decision-table that need the cluster (decode, instance and
/// policy lookup) and <see cref="PolicyEvaluator"/> for the rules. Mutating:
/// <see cref="PolicyDefaulter"/>. Deletions and metadata-only updates (finalizers, labels,
/// annotations) are admitted without a look (docs/design/upstream-fixes.md#cp-19).
/// </summary>
public sealed class AdmissionController(IClusterLookup cluster, IDenialRecorder denials)
{
    /// <summary>
    /// The answer of the validating webhook: for every Sympozium kind the manifest checks first
    /// (schema and cross-field rules, every problem at once), then the policy of AgentRuns,
    /// SympoziumInstances and SympoziumPolicies.
    /// </summary>
    public async Task<AdmissionResponse> ValidateAsync(AdmissionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Kind?.Kind is not { } kindName || KnownKinds.ByKind(kindName) is not { } kind)
        {
            return Allow(request);
        }

        if (request.Object is not { } obj)
        {
            return Error(request, 400, "BadRequest", $"the request carries no {kind.Kind} object");
        }

        // Row 2: being deleted → allow; #19: metadata-only update → allow. Neither is judged again,
        // so an object admitted under older rules can always lose its finalizers.
        if (obj["metadata"]?["deletionTimestamp"] is not null || Skipped(request))
        {
            return Allow(request);
        }

        // A manifest that can never run is refused here, at apply time, naming each field; the
        // controller then only reports what it does not support.
        if (ManifestValidator.Validate(obj) is { IsValid: false } invalid)
        {
            var what = Describe(kind.Kind, request, obj["metadata"] as JsonObject);
            return Error(request, 422, "Invalid", string.Join('\n', invalid.Errors.Select(e => $"{what}: {e}")));
        }

        // RBAC that could escalate is refused whatever the policy (docs/design/rbac-judge.md).
        if (RbacAdmission.Refusal(kind.Kind, request, obj) is { } refused)
        {
            return refused;
        }

        try
        {
            return kind.Kind switch
            {
                AgentRun.KindName => await ValidateRunAsync(request, obj, cancellationToken).ConfigureAwait(false),
                SympoziumInstance.KindName => await ValidateInstanceAsync(request, obj, cancellationToken).ConfigureAwait(false),
                SympoziumPolicy.KindName => ValidatePolicy(request, obj),
                _ => Allow(request),
            };
        }
        catch (DecodeException e)
        {
            return Error(request, 400, "BadRequest", e.Message);
        }
    }

    /// <summary>The answer of the mutating webhook: allowed, with a JSON patch when the policy fills something in.</summary>
    public async Task<AdmissionResponse> MutateAsync(AdmissionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Object is not { } obj || Skipped(request))
        {
            return Allow(request);
        }

        try
        {
            switch (request.Kind?.Kind)
            {
                case AgentRun.KindName:
                {
                    var run = Decode(obj, SympoziumJsonContext.Default.AgentRun, "AgentRun");
                    var (_, policy, _) = await BindingAsync(request.Namespace, run.Spec.InstanceRef, cancellationToken).ConfigureAwait(false);
                    return policy is null ? Allow(request) : Patched(request, obj, PolicyDefaulter.DefaultRun(obj, policy));
                }

                case SympoziumInstance.KindName:
                {
                    var instance = Decode(obj, SympoziumJsonContext.Default.SympoziumInstance, "SympoziumInstance");
                    var policy = string.IsNullOrEmpty(instance.Spec.PolicyRef) || request.Namespace is null
                        ? null
                        : await cluster.GetPolicyAsync(request.Namespace, instance.Spec.PolicyRef, cancellationToken).ConfigureAwait(false);
                    return policy is null ? Allow(request) : Patched(request, obj, PolicyDefaulter.DefaultInstance(obj, policy));
                }

                default:
                    return Allow(request);
            }
        }
        catch (DecodeException)
        {
            // Nothing to fill in on an object that does not decode: the validating webhook
            // refuses it, naming the field.
            return Allow(request);
        }
    }

    private async Task<AdmissionResponse> ValidateRunAsync(AdmissionRequest request, JsonObject obj, CancellationToken cancellationToken)
    {
        // Row 1: undecodable → reject (the manifest checks name the field before this).
        var run = Decode(obj, SympoziumJsonContext.Default.AgentRun, "AgentRun");
        var what = Describe("AgentRun", request, run.Metadata);
        var (instance, policy, missing) = await BindingAsync(request.Namespace, run.Spec.InstanceRef, cancellationToken).ConfigureAwait(false);
        if (instance is null)
        {
            // Row 3.
            return Error(request, 400, "BadRequest", $"{what}: spec.instanceRef: SympoziumInstance {request.Namespace}/{run.Spec.InstanceRef} not found; create the instance first");
        }

        if (policy is null)
        {
            // Row 4 (no policyRef: allow) or row 5 (policy missing: reject, fail closed).
            return missing is null
                ? Allow(request)
                : Error(request, 500, "InternalError", $"{what}: SympoziumPolicy {request.Namespace}/{missing} named by instance {instance.Metadata.Name} (spec.policyRef) not found");
        }

        var packs = await SkillPacksAsync(request.Namespace!, RunSkills(run, instance), cancellationToken).ConfigureAwait(false);
        return PolicyEvaluator.EvaluateRun(run, instance, policy, packs) is { } violation
            ? Deny(request, policy, "AgentRun", run.Metadata, violation)
            : Allow(request);
    }

    private async Task<AdmissionResponse> ValidateInstanceAsync(AdmissionRequest request, JsonObject obj, CancellationToken cancellationToken)
    {
        var instance = Decode(obj, SympoziumJsonContext.Default.SympoziumInstance, "SympoziumInstance");
        if (string.IsNullOrEmpty(instance.Spec.PolicyRef) || request.Namespace is null)
        {
            return Allow(request);
        }

        var policy = await cluster.GetPolicyAsync(request.Namespace, instance.Spec.PolicyRef, cancellationToken).ConfigureAwait(false);
        if (policy is null)
        {
            // Admitted so `kubectl apply -f dir/` works in any file order; runs stay denied until the policy exists.
            return Allow(request, $"SympoziumPolicy {request.Namespace}/{instance.Spec.PolicyRef} (spec.policyRef) does not exist yet; runs of this instance are denied until it does");
        }

        var packs = await SkillPacksAsync(request.Namespace, instance.Spec.Skills ?? [], cancellationToken).ConfigureAwait(false);
        return PolicyEvaluator.EvaluateInstance(instance, policy, packs) is { } violation
            ? Deny(request, policy, "SympoziumInstance", instance.Metadata, violation)
            : Allow(request);
    }

    private static AdmissionResponse ValidatePolicy(AdmissionRequest request, JsonObject obj)
    {
        var policy = Decode(obj, SympoziumJsonContext.Default.SympoziumPolicy, "SympoziumPolicy");
        return PolicyEvaluator.EvaluatePolicy(policy) is { } invalid
            ? Error(request, 422, "Invalid", $"{Describe("SympoziumPolicy", request, policy.Metadata)}: {invalid}")
            : Allow(request);
    }

    /// <summary>The run's instance and its policy; <c>MissingPolicy</c> names a policyRef that does not resolve.</summary>
    private async Task<(SympoziumInstance? Instance, SympoziumPolicy? Policy, string? MissingPolicy)> BindingAsync(string? ns, string instanceName, CancellationToken cancellationToken)
    {
        if (ns is null || string.IsNullOrEmpty(instanceName))
        {
            return (null, null, null);
        }

        var instance = await cluster.GetInstanceAsync(ns, instanceName, cancellationToken).ConfigureAwait(false);
        if (instance?.Spec.PolicyRef is not { Length: > 0 } policyRef)
        {
            return (instance, null, null);
        }

        var policy = await cluster.GetPolicyAsync(ns, policyRef, cancellationToken).ConfigureAwait(false);
        return (instance, policy, policy is null ? policyRef : null);
    }

    /// <summary>The run's own skills, else the instance's (not for web-proxy runs, which the controller does not give instance skills).</summary>
    private static List<SkillRef> RunSkills(AgentRun run, SympoziumInstance instance) =>
        run.Spec.Skills is { Count: > 0 } own ? own
        : run.Metadata.Labels?.GetValueOrDefault(Labels.Source) == Labels.Sources.WebProxy ? []
        : instance.Spec.Skills ?? [];

    /// <summary>The SkillPacks the refs name: in the namespace, else in the system namespace; missing ones are skipped (the controller reports them).</summary>
    private async Task<List<SkillPack>> SkillPacksAsync(string ns, IEnumerable<SkillRef> skills, CancellationToken cancellationToken)
    {
        var packs = new List<SkillPack>();
        foreach (var name in skills.Select(s => s.SkillPackRef).OfType<string>().Where(n => n.Length > 0).Distinct())
        {
            var pack = await SystemNamespaceFallback.GetAsync(ns, SkillPackRefs.PackName(name)!, cluster.GetSkillPackAsync, cancellationToken).ConfigureAwait(false);
            if (pack is not null)
            {
                packs.Add(pack);
            }
        }

        return packs;
    }

    /// <summary>An UPDATE that leaves spec unchanged (finalizers, labels, annotations, status) is not re-judged.</summary>
    private static bool Skipped(AdmissionRequest request) =>
        request.Operation == "UPDATE" && request.OldObject is { } old && request.Object is { } current
        && JsonNode.DeepEquals(old["spec"], current["spec"]);

    private static T Decode<T>(JsonObject? obj, JsonTypeInfo<T> typeInfo, string kind)
        where T : class
    {
        if (obj is null)
        {
            throw new DecodeException($"the request carries no {kind} object");
        }

        try
        {
            return obj.Deserialize(typeInfo) ?? throw new DecodeException($"the {kind} object is null");
        }
        catch (JsonException e)
        {
            throw new DecodeException($"the {kind} cannot be decoded: {e.Message}");
        }
    }

    /// <summary>The object's name; a create with generateName has none yet and shows as <c>prefix-*</c>.</summary>
    private static string NameOf(AdmissionRequest request, Api.Meta.ObjectMeta metadata) => NameOf(request, metadata.Name, metadata.GenerateName);

    private static string NameOf(AdmissionRequest request, string? name, string? generateName) =>
        name is { Length: > 0 } n ? n
        : request.Name is { Length: > 0 } r ? r
        : (generateName ?? "") + "*";

    private static string Describe(string kind, AdmissionRequest request, Api.Meta.ObjectMeta metadata) =>
        Describe(kind, request, NameOf(request, metadata));

    /// <summary>How a message names an object it could not decode: from the raw metadata.</summary>
    private static string Describe(string kind, AdmissionRequest request, JsonObject? metadata) =>
        Describe(kind, request, NameOf(request, Text(metadata?["name"]), Text(metadata?["generateName"])));

    private static string Describe(string kind, AdmissionRequest request, string name) =>
        request.Namespace is { Length: > 0 } ns ? $"{kind} {ns}/{name}" : $"{kind} {name}";

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    private AdmissionResponse Deny(AdmissionRequest request, SympoziumPolicy policy, string kind, Api.Meta.ObjectMeta metadata, string violation)
    {
        var what = Describe(kind, request, metadata);
        if (request.DryRun != true)
        {
            denials.Record(new Denial(policy, kind, request.Namespace, NameOf(request, metadata), violation));
        }

        return new AdmissionResponse
        {
            Uid = request.Uid,
            Allowed = false,
            Status = new AdmissionStatus { Code = 403, Reason = "Forbidden", Message = $"{what} violates SympoziumPolicy {policy.Metadata.Name}: {violation}" },
        };
    }

    private static AdmissionResponse Allow(AdmissionRequest request, string? warning = null) =>
        new() { Uid = request.Uid, Allowed = true, Warnings = warning is null ? null : [warning] };

    private static AdmissionResponse Error(AdmissionRequest request, int code, string reason, string message) =>
        new() { Uid = request.Uid, Allowed = false, Status = new AdmissionStatus { Code = code, Reason = reason, Message = message } };

    private static AdmissionResponse Patched(AdmissionRequest request, JsonObject before, JsonObject after)
    {
        var patch = JsonPatchBuilder.Diff(before, after);
        if (patch.Count == 0)
        {
            return Allow(request);
        }

        return new AdmissionResponse
        {
            Uid = request.Uid,
            Allowed = true,
            PatchType = "JSONPatch",
            Patch = Convert.ToBase64String(Encoding.UTF8.GetBytes(patch.ToJsonString())),
        };
    }

    private sealed class DecodeException(string message) : Exception(message);
}
