namespace Sympozium.Api.WellKnown;

/// <summary>
/// How a <c>skillPackRef</c> names a SkillPack. The pack's ConfigMap is published as
/// <c>skillpack-&lt;pack&gt;</c> by upstream's installer, so refs are written either way; the prefix
/// is dropped when the pack itself is looked up (same rule as upstream).
/// </summary>
public static class SkillPackRefs
{
    /// <summary>The prefix a ref may carry in front of the pack's name.</summary>
    public const string Prefix = "skillpack-";

    /// <summary>The SkillPack a ref names (the prefix dropped), or null for an empty ref.</summary>
    public static string? PackName(string? skillPackRef) =>
        skillPackRef is not { Length: > 0 } reference ? null
        : reference.StartsWith(Prefix, StringComparison.Ordinal) ? reference[Prefix.Length..]
        : reference;

    /// <summary>True when <paramref name="skillPackRef"/> names <paramref name="pack"/>, with or without the prefix.</summary>
    public static bool Names(string? skillPackRef, string pack) =>
        skillPackRef == pack || skillPackRef == Prefix + pack;
}
