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
        // so an object admitted under older rules can always lose its finalizers. The exception is
        // a policy gaining the default label: that label decides what governs (no second default).
        if (obj["metadata"]?["deletionTimestamp"] is not null || (Skipped(request) && !BecomesNamespaceDefault(request)))
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
                SympoziumPolicy.KindName => await ValidatePolicyAsync(request, obj, cancellationToken).ConfigureAwait(false),
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
                    var instance = request.Namespace is null || run.Spec.InstanceRef.Length == 0
                        ? null
                        : await cluster.GetInstanceAsync(request.Namespace, run.Spec.InstanceRef, cancellationToken).ConfigureAwait(false);
                    var policy = instance is null ? null : (await GoverningAsync(request.Namespace!, instance.Spec.PolicyRef, cancellationToken).ConfigureAwait(false)).Policy;
                    return policy is null ? Allow(request) : Patched(request, obj, PolicyDefaulter.DefaultRun(obj, policy));
                }

                case SympoziumInstance.KindName:
                {
                    var instance = Decode(obj, SympoziumJsonContext.Default.SympoziumInstance, "SympoziumInstance");
                    var policy = request.Namespace is null ? null : (await GoverningAsync(request.Namespace, instance.Spec.PolicyRef, cancellationToken).ConfigureAwait(false)).Policy;
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
        var instance = request.Namespace is null || run.Spec.InstanceRef.Length == 0
            ? null
            : await cluster.GetInstanceAsync(request.Namespace, run.Spec.InstanceRef, cancellationToken).ConfigureAwait(false);
        if (instance is null)
        {
            // Row 3.
            return Error(request, 400, "BadRequest", $"{what}: spec.instanceRef: SympoziumInstance {request.Namespace}/{run.Spec.InstanceRef} not found; create the instance first");
        }

        var ns = request.Namespace!;
        var binding = await GoverningAsync(ns, instance.Spec.PolicyRef, cancellationToken).ConfigureAwait(false);
        if (binding.FailsClosed)
        {
            // Row 5 (policy missing: 500, as upstream) and two namespace defaults: refuse, fail closed.
            var problem = binding.Problem(ns, instance.Metadata.Name ?? run.Spec.InstanceRef);
            return binding.Kind == PolicyBindingKind.Missing
                ? Error(request, 500, "InternalError", $"{what}: {problem}")
                : Error(request, 403, "Forbidden", $"{what}: {problem}");
        }

        var packs = await SkillPacksAsync(ns, RunSkills(run, instance), cancellationToken).ConfigureAwait(false);
        if (binding.Policy is not { } policy)
        {
            // Row 4: no policy governs. Host access still needs a policy that allows it.
            return HostAccessRule.Check(null, HostAccessRule.Escapes(run, packs)) is { } escape
                ? Error(request, 403, "Forbidden", $"{what}: {escape}")
                : Allow(request);
        }

        return PolicyEvaluator.EvaluateRun(run, instance, policy, packs) is { } violation
            ? Deny(request, binding, "AgentRun", run.Metadata, violation)
            : Allow(request);
    }

    private async Task<AdmissionResponse> ValidateInstanceAsync(AdmissionRequest request, JsonObject obj, CancellationToken cancellationToken)
    {
        var instance = Decode(obj, SympoziumJsonContext.Default.SympoziumInstance, "SympoziumInstance");
        if (request.Namespace is not { } ns)
        {
            return Allow(request);
        }

        if (request.Operation == "UPDATE" && await PolicyRefChangeAsync(request, ns, instance, cancellationToken).ConfigureAwait(false) is { } escape)
        {
            return escape;
        }

        var what = Describe("SympoziumInstance", request, instance.Metadata);
        var binding = await GoverningAsync(ns, instance.Spec.PolicyRef, cancellationToken).ConfigureAwait(false);
        switch (binding.Kind)
        {
            case PolicyBindingKind.Missing:
                // Admitted so `kubectl apply -f dir/` works in any file order; runs stay denied until the policy exists.
                return Allow(request, $"SympoziumPolicy {ns}/{instance.Spec.PolicyRef} (spec.policyRef) does not exist yet; runs of this instance are denied until it does");
            case PolicyBindingKind.Conflict:
                return Error(request, 403, "Forbidden", $"{what}: {binding.Problem(ns, instance.Metadata.Name ?? "")}");
        }

        var packs = await SkillPacksAsync(ns, instance.Spec.Skills ?? [], cancellationToken).ConfigureAwait(false);
        if (binding.Policy is not { } policy)
        {
            return HostAccessRule.Check(null, packs.SelectMany(HostAccessRule.Escapes)) is { } host
                ? Error(request, 403, "Forbidden", $"{what}: {host}")
                : Allow(request);
        }

        return PolicyEvaluator.EvaluateInstance(instance, policy, packs) is { } violation
            ? Deny(request, binding, "SympoziumInstance", instance.Metadata, violation)
            : Allow(request);
    }

    /// <summary>
    /// An instance cannot leave the policy that governs it by editing itself
    /// (docs/design/admission.md#policyref-is-fixed): a set <c>spec.policyRef</c> cannot be removed or
    /// changed, and an instance governed by its namespace's default cannot name another policy. An
    /// instance governed by nothing may name one (that only tightens). Null when the update may go on.
    /// </summary>
    private async Task<AdmissionResponse?> PolicyRefChangeAsync(AdmissionRequest request, string ns, SympoziumInstance instance, CancellationToken cancellationToken)
    {
        var oldRef = Text(request.OldObject?["spec"]?["policyRef"]) ?? "";
        var newRef = instance.Spec.PolicyRef ?? "";
        if (oldRef == newRef)
        {
            return null;
        }

        var what = Describe("SympoziumInstance", request, instance.Metadata);
        const string fix = "a policy binding is fixed for the life of the instance; to move it to another policy, delete the instance and create it again";
        if (oldRef.Length > 0)
        {
            var change = newRef.Length == 0 ? "removed" : $"changed to \"{newRef}\"";
            var message = $"spec.policyRef \"{oldRef}\" cannot be {change}: the instance is governed by SympoziumPolicy {oldRef}; {fix}";
            var old = await cluster.GetPolicyAsync(ns, oldRef, cancellationToken).ConfigureAwait(false);
            return old is null
                ? Error(request, 403, "Forbidden", $"{what}: {message}")
                : Deny(request, new PolicyBinding(PolicyBindingKind.Named, old), "SympoziumInstance", instance.Metadata, message);
        }

        var before = await GoverningAsync(ns, null, cancellationToken).ConfigureAwait(false);
        if (before.Kind == PolicyBindingKind.NamespaceDefault && before.Policy!.Metadata.Name != newRef)
        {
            var message = $"spec.policyRef cannot be set to \"{newRef}\": the instance is governed by SympoziumPolicy {before.Policy.Metadata.Name}, "
                + $"the default of namespace {ns}; {fix}";
            return Deny(request, before, "SympoziumInstance", instance.Metadata, message);
        }

        return null;
    }

    private async Task<AdmissionResponse> ValidatePolicyAsync(AdmissionRequest request, JsonObject obj, CancellationToken cancellationToken)
    {
        var policy = Decode(obj, SympoziumJsonContext.Default.SympoziumPolicy, "SympoziumPolicy");
        var what = Describe("SympoziumPolicy", request, policy.Metadata);
        if (PolicyEvaluator.EvaluatePolicy(policy) is { } invalid)
        {
            return Error(request, 422, "Invalid", $"{what}: {invalid}");
        }

        // One default per namespace, judged on a live list: two would leave instances naming none
        // without a policy (docs/design/admission.md#which-policy-governs).
        if (GoverningPolicy.IsNamespaceDefault(policy) && request.Namespace is { } ns)
        {
            var name = NameOf(request, policy.Metadata);
            var others = (await cluster.ListDefaultPoliciesAsync(ns, live: true, cancellationToken).ConfigureAwait(false))
                .Select(p => p.Metadata.Name ?? "")
                .Where(n => n != name)
                .ToList();
            if (others.Count > 0)
            {
                return Error(request, 403, "Forbidden", $"{what}: {GoverningPolicy.ConflictMessage(ns, [name, .. others])}");
            }
        }

        return Allow(request);
    }

    /// <summary>The policy governing an instance of <paramref name="ns"/> with this policyRef: the one shared resolution.</summary>
    private ValueTask<PolicyBinding> GoverningAsync(string ns, string? policyRef, CancellationToken cancellationToken) =>
        GoverningPolicy.ResolveAsync(ns, policyRef, cluster.GetPolicyAsync, (n, ct) => cluster.ListDefaultPoliciesAsync(n, live: false, ct), cancellationToken);

    /// <summary>A policy UPDATE that adds the namespace-default label (metadata only, yet it changes what governs).</summary>
    private static bool BecomesNamespaceDefault(AdmissionRequest request) =>
        request.Kind?.Kind == SympoziumPolicy.KindName
        && Text(request.Object?["metadata"]?["labels"]?[Labels.DefaultPolicy]) == Labels.Values.True
        && Text(request.OldObject?["metadata"]?["labels"]?[Labels.DefaultPolicy]) != Labels.Values.True;

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

    private AdmissionResponse Deny(AdmissionRequest request, PolicyBinding binding, string kind, Api.Meta.ObjectMeta metadata, string violation)
    {
        var policy = binding.Policy!;
        var what = Describe(kind, request, metadata);
        var which = binding.Kind == PolicyBindingKind.NamespaceDefault ? $"{policy.Metadata.Name} (the default of namespace {policy.Metadata.Namespace})" : policy.Metadata.Name;
        if (request.DryRun != true)
        {
            denials.Record(new Denial(policy, kind, request.Namespace, NameOf(request, metadata), violation));
        }

        return new AdmissionResponse
        {
            Uid = request.Uid,
            Allowed = false,
            Status = new AdmissionStatus { Code = 403, Reason = "Forbidden", Message = $"{what} violates SympoziumPolicy {which}: {violation}" },
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
