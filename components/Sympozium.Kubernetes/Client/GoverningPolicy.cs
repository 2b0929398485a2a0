using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;

namespace Sympozium.Kubernetes.Client;

/// <summary>How an instance (and every run of it) came to be governed, or why it is not.</summary>
public enum PolicyBindingKind
{
    /// <summary>No policyRef and no default policy in the namespace: nothing governs.</summary>
    None,

    /// <summary>The policy the instance names in <c>spec.policyRef</c>.</summary>
    Named,

    /// <summary>The namespace's default policy (label <see cref="Labels.DefaultPolicy"/>), the instance naming none.</summary>
    NamespaceDefault,

    /// <summary>The instance names a policy that does not exist: fail closed.</summary>
    Missing,

    /// <summary>The instance names none and the namespace has more than one default: fail closed.</summary>
    Conflict,
}

/// <summary>The answer of <see cref="GoverningPolicy"/>: the governing policy, or why there is none.</summary>
public sealed record PolicyBinding(PolicyBindingKind Kind, SympoziumPolicy? Policy = null, string? MissingName = null, IReadOnlyList<string>? ConflictingDefaults = null)
{
    public static PolicyBinding None { get; } = new(PolicyBindingKind.None);

    /// <summary>True when runs must be refused: the named policy is missing, or the namespace has two defaults.</summary>
    public bool FailsClosed => Kind is PolicyBindingKind.Missing or PolicyBindingKind.Conflict;

    /// <summary>Where the policy comes from, for messages: "spec.policyRef" or "the namespace default".</summary>
    public string Source => Kind == PolicyBindingKind.NamespaceDefault ? $"the default of namespace {Policy!.Metadata.Namespace} (label {Labels.DefaultPolicy})" : "spec.policyRef";

    /// <summary>Why runs are refused, naming the objects and the fix; null unless <see cref="FailsClosed"/>.</summary>
    public string? Problem(string ns, string instance) => Kind switch
    {
        PolicyBindingKind.Missing => $"SympoziumPolicy {ns}/{MissingName} named by instance {instance} (spec.policyRef) not found; create it or fix spec.policyRef",
        PolicyBindingKind.Conflict => GoverningPolicy.ConflictMessage(ns, ConflictingDefaults!),
        _ => null,
    };
}

/// <summary>
/// Which SympoziumPolicy governs an instance and its runs — the one answer the webhook and the
/// controller (run start, NetworkPolicies, policy status) share, so they never disagree
/// (docs/design/admission.md#which-policy-governs): the policy the instance names in
/// <c>spec.policyRef</c> (same namespace); else the namespace's one policy labelled
/// <c>sympozium.ai/default-policy: "true"</c>; else none. A named policy that does not exist, or two
/// defaults in one namespace, fail closed.
/// </summary>
public static class GoverningPolicy
{
    /// <summary>The label selector of a namespace's default policy.</summary>
    public const string DefaultSelector = Labels.DefaultPolicy + "=" + Labels.Values.True;

    /// <summary>True when the policy carries <see cref="Labels.DefaultPolicy"/>: "true".</summary>
    public static bool IsNamespaceDefault(SympoziumPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return policy.Metadata.Labels?.GetValueOrDefault(Labels.DefaultPolicy) == Labels.Values.True;
    }

    /// <summary>The refusal when a namespace has more than one default policy, naming them all and the fix.</summary>
    public static string ConflictMessage(string ns, IEnumerable<string> names) =>
        $"namespace {ns} has more than one default SympoziumPolicy ({string.Join(", ", names.Order(StringComparer.Ordinal))}, label {Labels.DefaultPolicy}: \"true\"); "
        + "keep the label on one of them, or name a policy in spec.policyRef";

    /// <summary>The resolution over policies already read: <paramref name="namespacePolicies"/> are those of the instance's namespace (any labels).</summary>
    public static PolicyBinding Resolve(string? policyRef, IEnumerable<SympoziumPolicy> namespacePolicies)
    {
        ArgumentNullException.ThrowIfNull(namespacePolicies);
        var policies = namespacePolicies.ToList();
        if (policyRef is { Length: > 0 })
        {
            var named = policies.FirstOrDefault(p => p.Metadata.Name == policyRef);
            return named is null ? new(PolicyBindingKind.Missing, MissingName: policyRef) : new(PolicyBindingKind.Named, named);
        }

        return FromDefaults(policies.Where(IsNamespaceDefault));
    }

    /// <summary>
    /// The resolution over any lookup: <paramref name="get"/> (namespace, name) reads one policy,
    /// <paramref name="listDefaults"/> (namespace) the policies labelled default there.
    /// </summary>
    public static async ValueTask<PolicyBinding> ResolveAsync(
        string ns,
        string? policyRef,
        Func<string, string, CancellationToken, ValueTask<SympoziumPolicy?>> get,
        Func<string, CancellationToken, ValueTask<IReadOnlyList<SympoziumPolicy>>> listDefaults,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(get);
        ArgumentNullException.ThrowIfNull(listDefaults);
        if (policyRef is { Length: > 0 })
        {
            var named = await get(ns, policyRef, cancellationToken).ConfigureAwait(false);
            return named is null ? new(PolicyBindingKind.Missing, MissingName: policyRef) : new(PolicyBindingKind.Named, named);
        }

        return FromDefaults(await listDefaults(ns, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The resolution with live reads through <paramref name="policies"/> (the controller's).</summary>
    public static async Task<PolicyBinding> ResolveAsync(ResourceClient<SympoziumPolicy> policies, string ns, string? policyRef, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policies);
        return await ResolveAsync(
            ns,
            policyRef,
            async (n, name, ct) => await policies.GetAsync(n, name, ct).ConfigureAwait(false),
            async (n, ct) => (await policies.ListAsync(n, DefaultSelector, cancellationToken: ct).ConfigureAwait(false)).Items,
            cancellationToken).ConfigureAwait(false);
    }

    private static PolicyBinding FromDefaults(IEnumerable<SympoziumPolicy> candidates)
    {
        var defaults = candidates.Where(IsNamespaceDefault)
            .OrderBy(p => p.Metadata.Name, StringComparer.Ordinal)
            .ToList();
        return defaults.Count switch
        {
            0 => PolicyBinding.None,
            1 => new(PolicyBindingKind.NamespaceDefault, defaults[0]),
            _ => new(PolicyBindingKind.Conflict, ConflictingDefaults: [.. defaults.Select(p => p.Metadata.Name ?? "")]),
        };
    }
}
