using System.ComponentModel;

namespace Sympozium.Api.Kinds;

/// <summary>A skill to mount into a run: a SkillPack by name or a plain ConfigMap of Markdown files.</summary>
[Description("A skill to mount: a SkillPack or a ConfigMap of skill documents.")]
public sealed class SkillRef
{
    [Description("Name of a SkillPack (a 'skillpack-' prefix is accepted and stripped when looking up the pack).")]
    public string? SkillPackRef { get; set; }

    [Description("Name of a ConfigMap whose keys are skill documents.")]
    public string? ConfigMapRef { get; set; }

    [Description("Parameters for the skill; each becomes env SKILL_<KEY> on the skill's sidecar.")]
    public Dictionary<string, string>? Params { get; set; }
}
