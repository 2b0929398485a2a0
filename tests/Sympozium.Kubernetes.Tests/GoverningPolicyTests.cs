using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;
using Sympozium.Kubernetes.Client;

namespace Sympozium.Kubernetes.Tests;

/// <summary>The one answer to "which policy governs" (docs/design/admission.md#which-policy-governs).</summary>
public sealed class GoverningPolicyTests
{
    private static SympoziumPolicy Policy(string name, bool isDefault = false) => new()
    {
        Metadata = { Name = name, Namespace = "team-a", Labels = isDefault ? new() { [Labels.DefaultPolicy] = "true" } : null },
    };

    [Fact]
    public void A_named_policy_governs_even_when_the_namespace_has_a_default()
    {
        var binding = GoverningPolicy.Resolve("strict", [Policy("house", isDefault: true), Policy("strict")]);

        Assert.Equal((PolicyBindingKind.Named, "strict"), (binding.Kind, binding.Policy?.Metadata.Name));
        Assert.False(binding.FailsClosed);
    }

    [Fact]
    public void An_instance_naming_none_is_governed_by_the_namespace_default()
    {
        var binding = GoverningPolicy.Resolve(null, [Policy("other"), Policy("house", isDefault: true)]);

        Assert.Equal((PolicyBindingKind.NamespaceDefault, "house"), (binding.Kind, binding.Policy?.Metadata.Name));
    }

    [Fact]
    public void A_default_label_with_another_value_does_not_make_a_default()
    {
        var policy = Policy("house");
        policy.Metadata.Labels = new() { [Labels.DefaultPolicy] = "false" };

        Assert.Equal(PolicyBindingKind.None, GoverningPolicy.Resolve("", [policy]).Kind);
    }

    [Fact]
    public void A_named_policy_that_does_not_exist_fails_closed_naming_it()
    {
        var binding = GoverningPolicy.Resolve("gone", [Policy("house", isDefault: true)]);

        Assert.True(binding.FailsClosed);
        Assert.Equal("SympoziumPolicy team-a/gone named by instance assistant (spec.policyRef) not found; create it or fix spec.policyRef", binding.Problem("team-a", "assistant"));
    }

    [Fact]
    public void Two_defaults_fail_closed_naming_both()
    {
        var binding = GoverningPolicy.Resolve(null, [Policy("zeta", isDefault: true), Policy("alpha", isDefault: true)]);

        Assert.Equal(PolicyBindingKind.Conflict, binding.Kind);
        Assert.Null(binding.Policy);
        Assert.Equal(
            "namespace team-a has more than one default SympoziumPolicy (alpha, zeta, label sympozium.ai/default-policy: \"true\"); keep the label on one of them, or name a policy in spec.policyRef",
            binding.Problem("team-a", "assistant"));
    }

    [Fact]
    public async Task The_lookup_form_gives_the_same_answers()
    {
        var policies = new[] { Policy("house", isDefault: true), Policy("strict") };
        ValueTask<SympoziumPolicy?> Get(string ns, string name, CancellationToken _) => new(policies.FirstOrDefault(p => p.Metadata.Name == name));
        ValueTask<IReadOnlyList<SympoziumPolicy>> Defaults(string ns, CancellationToken _) => new([.. policies.Where(GoverningPolicy.IsNamespaceDefault)]);

        Assert.Equal("strict", (await GoverningPolicy.ResolveAsync("team-a", "strict", Get, Defaults)).Policy?.Metadata.Name);
        Assert.Equal("house", (await GoverningPolicy.ResolveAsync("team-a", null, Get, Defaults)).Policy?.Metadata.Name);
        Assert.Equal(PolicyBindingKind.Missing, (await GoverningPolicy.ResolveAsync("team-a", "gone", Get, Defaults)).Kind);
    }
}
