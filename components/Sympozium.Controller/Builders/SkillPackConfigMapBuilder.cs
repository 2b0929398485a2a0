using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;
using Sympozium.Kubernetes;

namespace Sympozium.Controller.Builders;

/// <summary>The ConfigMap of a SkillPack: one <c>&lt;skill&gt;.md</c> key per skill
/// (docs/design/instances.md#skillpack-configmaps).</summary>
public static class SkillPackConfigMapBuilder
{
    public static V1ConfigMap Build(SkillPack pack)
    {
        ArgumentNullException.ThrowIfNull(pack);
        var name = pack.Metadata.Name ?? throw new ArgumentException("the SkillPack has no name", nameof(pack));
        return new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = pack.Metadata.Namespace,
                Labels = new Dictionary<string, string> { [Labels.Component] = Labels.Components.SkillPack, [Labels.SkillPack] = name },
                OwnerReferences = [ControllerReference.For(pack)],
            },
            Data = pack.Spec.Skills.ToDictionary(s => s.Name + ".md", Document, StringComparer.Ordinal),
        };
    }

    /// <summary>
    /// The copy of a system-namespace skill ConfigMap in the run's namespace
    /// (docs/design/agent-runs.md#skills-sidecars-and-mirroring): same name and data, labelled as a
    /// mirror, owned by the run without being its controller, so every run that mounts it can add
    /// itself and the copy lives as long as any of them.
    /// </summary>
    public static V1ConfigMap Mirror(AgentRun run, V1ConfigMap source)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(source);
        return new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = new V1ObjectMeta
            {
                Name = source.Metadata.Name,
                NamespaceProperty = run.Metadata.Namespace,
                Labels = new Dictionary<string, string>
                {
                    [Labels.Component] = Labels.Components.SkillPackMirror,
                    [Labels.AgentRun] = run.Metadata.Name!,
                    [Labels.ManagedBy] = Labels.Values.Sympozium,
                },
                OwnerReferences = [MirrorOwner(run)],
            },
            Data = source.Data,
        };
    }

    /// <summary>The run as one of a mirror's owners: not its controller, and not blocking its deletion.</summary>
    public static V1OwnerReference MirrorOwner(AgentRun run)
    {
        var owner = AgentPodBuilder.OwnerReference(run);
        owner.Controller = false;
        owner.BlockOwnerDeletion = false;
        return owner;
    }

    /// <summary>True for a ConfigMap made by <see cref="Mirror"/> (one of the namespace's own is never touched).</summary>
    public static bool IsMirror(V1ConfigMap configMap)
    {
        ArgumentNullException.ThrowIfNull(configMap);
        return configMap.Metadata?.Labels?.TryGetValue(Labels.Component, out var component) == true && component == Labels.Components.SkillPackMirror;
    }

    /// <summary>The skill's Markdown, headed by its name and description when it has one.</summary>
    public static string Document(Skill skill)
    {
        ArgumentNullException.ThrowIfNull(skill);
        return string.IsNullOrWhiteSpace(skill.Description) ? skill.Content : $"# {skill.Name}\n\n> {skill.Description}\n\n{skill.Content}";
    }
}
