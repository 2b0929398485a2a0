using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;
using Sympozium.Kubernetes;

namespace Sympozium.Controller.Builders;

/// <summary>The ConfigMap of a SkillPack: one <c>&lt;skill&gt;.md</c> key per skill (control-plane.md §2.3).</summary>
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

    /// <summary>The skill's Markdown, headed by its name and description when it has one.</summary>
    public static string Document(Skill skill)
    {
        ArgumentNullException.ThrowIfNull(skill);
        return string.IsNullOrWhiteSpace(skill.Description) ? skill.Content : $"# {skill.Name}\n\n> {skill.Description}\n\n{skill.Content}";
    }
}
