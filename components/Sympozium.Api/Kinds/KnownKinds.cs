using System.Text.Json.Serialization.Metadata;
using Sympozium.Api.Serialization;

namespace Sympozium.Api.Kinds;

/// <summary>One Sympozium kind: its names and JSON metadata.</summary>
public sealed record KindInfo(string Kind, string Plural, JsonTypeInfo TypeInfo, JsonTypeInfo ListTypeInfo)
{
    /// <summary>Lower-case singular name (<c>agentrun</c>).</summary>
    public string Singular => Kind.ToLowerInvariant();

    /// <summary>Name of the CRD object (<c>agentruns.sympozium.ai</c>).</summary>
    public string CrdName => Plural + "." + ApiGroup.Group;

    /// <summary>File of the generated CRD under <c>crds/</c>.</summary>
    public string CrdFileName => ApiGroup.Group + "_" + Plural + ".yaml";
}

/// <summary>The eight kinds, in the order documentation lists them.</summary>
public static class KnownKinds
{
    private static readonly SympoziumJsonContext Json = SympoziumJsonContext.Default;

    public static readonly KindInfo SympoziumInstance = new("SympoziumInstance", "sympoziuminstances", Json.SympoziumInstance, Json.KubernetesListSympoziumInstance);
    public static readonly KindInfo AgentRun = new("AgentRun", "agentruns", Json.AgentRun, Json.KubernetesListAgentRun);
    public static readonly KindInfo SympoziumPolicy = new("SympoziumPolicy", "sympoziumpolicies", Json.SympoziumPolicy, Json.KubernetesListSympoziumPolicy);
    public static readonly KindInfo SkillPack = new("SkillPack", "skillpacks", Json.SkillPack, Json.KubernetesListSkillPack);
    public static readonly KindInfo SympoziumSchedule = new("SympoziumSchedule", "sympoziumschedules", Json.SympoziumSchedule, Json.KubernetesListSympoziumSchedule);
    public static readonly KindInfo PersonaPack = new("PersonaPack", "personapacks", Json.PersonaPack, Json.KubernetesListPersonaPack);
    public static readonly KindInfo MCPServer = new("MCPServer", "mcpservers", Json.MCPServer, Json.KubernetesListMCPServer);
    public static readonly KindInfo SympoziumConfig = new("SympoziumConfig", "sympoziumconfigs", Json.SympoziumConfig, Json.KubernetesListSympoziumConfig);

    public static readonly IReadOnlyList<KindInfo> All =
        [SympoziumInstance, AgentRun, SympoziumPolicy, SkillPack, SympoziumSchedule, PersonaPack, MCPServer, SympoziumConfig];

    /// <summary>Finds a kind by its Kind name (case-sensitive, as in manifests).</summary>
    public static KindInfo? ByKind(string kind) => All.FirstOrDefault(k => k.Kind == kind);
}
