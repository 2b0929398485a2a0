using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Sympozium.Api.Kinds;
using Sympozium.Api.Meta;

namespace Sympozium.Api.Serialization;

/// <summary>
/// Source-generated JSON metadata for every Sympozium kind, its list and its watch event.
/// Absent optional fields stay absent (<c>null</c> is never written), so an explicit
/// <c>false</c> or <c>0</c> survives where the CRD declares a different default.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(KubernetesTimeConverter)])]
[JsonSerializable(typeof(SympoziumInstance))]
[JsonSerializable(typeof(AgentRun))]
[JsonSerializable(typeof(SympoziumPolicy))]
[JsonSerializable(typeof(SkillPack))]
[JsonSerializable(typeof(SympoziumSchedule))]
[JsonSerializable(typeof(PersonaPack))]
[JsonSerializable(typeof(MCPServer))]
[JsonSerializable(typeof(SympoziumConfig))]
[JsonSerializable(typeof(KubernetesList<SympoziumInstance>))]
[JsonSerializable(typeof(KubernetesList<AgentRun>))]
[JsonSerializable(typeof(KubernetesList<SympoziumPolicy>))]
[JsonSerializable(typeof(KubernetesList<SkillPack>))]
[JsonSerializable(typeof(KubernetesList<SympoziumSchedule>))]
[JsonSerializable(typeof(KubernetesList<PersonaPack>))]
[JsonSerializable(typeof(KubernetesList<MCPServer>))]
[JsonSerializable(typeof(KubernetesList<SympoziumConfig>))]
[JsonSerializable(typeof(WatchEvent<SympoziumInstance>))]
[JsonSerializable(typeof(WatchEvent<AgentRun>))]
[JsonSerializable(typeof(WatchEvent<SympoziumPolicy>))]
[JsonSerializable(typeof(WatchEvent<SkillPack>))]
[JsonSerializable(typeof(WatchEvent<SympoziumSchedule>))]
[JsonSerializable(typeof(WatchEvent<PersonaPack>))]
[JsonSerializable(typeof(WatchEvent<MCPServer>))]
[JsonSerializable(typeof(WatchEvent<SympoziumConfig>))]
[JsonSerializable(typeof(List<PolicyDenial>))]
[JsonSerializable(typeof(ObjectMeta))]
[JsonSerializable(typeof(JsonNode))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(string))]
public sealed partial class SympoziumJsonContext : JsonSerializerContext;
