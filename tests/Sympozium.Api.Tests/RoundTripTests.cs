using System.Text.Json;
using System.Text.Json.Nodes;
using Sympozium.Api.Kinds;
using Sympozium.Api.Serialization;
using Sympozium.Api.Validation;

namespace Sympozium.Api.Tests;

/// <summary>Realistic manifests (one per kind, every field set) survive YAML → type → JSON → YAML unchanged.</summary>
public class RoundTripTests
{
    public static TheoryData<string> Kinds() => new(KnownKinds.All.Select(k => k.Kind));

    public static TheoryData<string> Files() => new(Directory.GetFiles(RepoPaths.Manifests("valid"), "*.yaml").Select(Path.GetFileName).Order()!);

    private static JsonObject Load(string file) => YamlJson.Parse(File.ReadAllText(Path.Combine(RepoPaths.Manifests("valid"), file))).AsObject();

    private static KindInfo KindOf(JsonObject manifest) => KnownKinds.ByKind(manifest["kind"]!.GetValue<string>())!;

    private static IEnumerable<JsonObject> AllOf(KindInfo kind) =>
        Directory.GetFiles(RepoPaths.Manifests("valid"), "*.yaml").Select(f => Load(Path.GetFileName(f))).Where(m => KindOf(m) == kind);

    [Fact]
    public void Every_kind_has_a_realistic_manifest()
    {
        Assert.All(KnownKinds.All, kind => Assert.NotEmpty(AllOf(kind)));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Manifest_parses_into_the_type_and_serializes_back_without_losing_fields(string file)
    {
        var original = Load(file);
        var kind = KindOf(original);

        var typed = JsonSerializer.Deserialize(original, kind.TypeInfo);
        Assert.NotNull(typed);
        Assert.IsAssignableFrom<Meta.IKubernetesObject>(typed);
        var back = JsonSerializer.SerializeToNode(typed, kind.TypeInfo);

        AssertSameJson(original, back);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Manifest_survives_a_trip_through_the_yaml_writer(string file)
    {
        var original = Load(file);

        var reparsed = YamlJson.Parse(YamlJson.Write(original));

        AssertSameJson(original, reparsed);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Realistic_manifest_is_valid(string file)
    {
        var result = ManifestValidator.Validate(Load(file));

        Assert.True(result.IsValid, result.ToString());
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Realistic_manifest_sets_every_field_of_the_schema(string kindName)
    {
        // Guards the round-trip tests above: a field no manifest sets would not be checked.
        var kind = KnownKinds.ByKind(kindName)!;
        var schemaPaths = SchemaPaths.Leaves(CrdSchemas.Schema(kind), "").ToHashSet();
        var manifestPaths = AllOf(kind).SelectMany(m => SchemaPaths.OfValue(m, "")).ToHashSet();

        var missing = schemaPaths.Where(p => !p.StartsWith("metadata", StringComparison.Ordinal) && !manifestPaths.Contains(p)).ToList();

        Assert.True(missing.Count == 0, $"{kind.Kind} manifest does not set: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Explicit_false_and_zero_are_written_even_where_the_default_differs()
    {
        // Upstream's omitempty dropped these and the API server re-applied the default.
        var schedule = new SympoziumSchedule { Spec = { InstanceRef = "i", Schedule = "* * * * *", Task = "t", IncludeMemory = false } };
        var pack = new SkillPack { Spec = { Sidecar = new SkillSidecar { Image = "x", MountWorkspace = false } } };

        var scheduleJson = JsonSerializer.SerializeToNode(schedule, SympoziumJsonContext.Default.SympoziumSchedule)!;
        var packJson = JsonSerializer.SerializeToNode(pack, SympoziumJsonContext.Default.SkillPack)!;

        Assert.False(scheduleJson["spec"]!["includeMemory"]!.GetValue<bool>());
        Assert.False(packJson["spec"]!["sidecar"]!["mountWorkspace"]!.GetValue<bool>());
        Assert.Null(scheduleJson["spec"]!["suspend"]);
        Assert.Null(scheduleJson["status"]);
    }

    [Fact]
    public void Times_are_written_as_rfc3339_utc_with_z()
    {
        var run = new AgentRun { Status = new AgentRunStatus { StartedAt = new DateTimeOffset(2026, 1, 2, 5, 4, 5, TimeSpan.FromHours(2)) } };

        var json = JsonSerializer.SerializeToNode(run, SympoziumJsonContext.Default.AgentRun)!;

        Assert.Equal("2026-01-02T03:04:05Z", json["status"]!["startedAt"]!.GetValue<string>());
    }

    [Fact]
    public void Unknown_metadata_fields_such_as_managedFields_survive_a_read_modify_write()
    {
        var json = """{"apiVersion":"sympozium.ai/v1alpha1","kind":"SkillPack","metadata":{"name":"p","managedFields":[{"manager":"kubectl"}]},"spec":{"skills":[]}}""";

        var pack = JsonSerializer.Deserialize(json, SympoziumJsonContext.Default.SkillPack)!;
        pack.Metadata.Labels = new() { ["a"] = "b" };
        var back = JsonSerializer.SerializeToNode(pack, SympoziumJsonContext.Default.SkillPack)!;

        Assert.Equal("kubectl", back["metadata"]!["managedFields"]![0]!["manager"]!.GetValue<string>());
    }

    [Fact]
    public void A_list_and_a_watch_event_deserialize_with_their_items()
    {
        var list = """{"apiVersion":"sympozium.ai/v1alpha1","kind":"AgentRunList","metadata":{"resourceVersion":"17","continue":"abc"},"items":[{"apiVersion":"sympozium.ai/v1alpha1","kind":"AgentRun","metadata":{"name":"r1"},"spec":{"instanceRef":"i","agentId":"a","sessionKey":"","task":"t","model":{"provider":"openai","model":"gpt-4o","authSecretRef":""}}}]}""";
        var watch = """{"type":"MODIFIED","object":{"apiVersion":"sympozium.ai/v1alpha1","kind":"AgentRun","metadata":{"name":"r1","resourceVersion":"18"},"spec":{"task":"t"},"status":{"phase":"Running"}}}""";

        var runs = JsonSerializer.Deserialize(list, SympoziumJsonContext.Default.KubernetesListAgentRun)!;
        var evt = JsonSerializer.Deserialize(watch, SympoziumJsonContext.Default.WatchEventAgentRun)!;

        Assert.Equal("17", runs.Metadata.ResourceVersion);
        Assert.Equal("abc", runs.Metadata.Continue);
        Assert.Equal("gpt-4o", Assert.Single(runs.Items).Spec.Model.Model);
        Assert.Equal(Meta.WatchEventTypes.Modified, evt.Type);
        Assert.Equal("Running", evt.Object!.Status!.Phase);
        Assert.Equal("default/r1", new AgentRun { Metadata = { Name = "r1", Namespace = "default" } }.Key);
    }

    internal static void AssertSameJson(JsonNode expected, JsonNode? actual)
    {
        if (!JsonNode.DeepEquals(Normalize(expected), Normalize(actual)))
        {
            Assert.Fail($"JSON differs.\nexpected: {expected.ToJsonString()}\nactual:   {actual?.ToJsonString()}\nfirst difference: {FirstDifference(expected, actual, "")}");
        }
    }

    // Numbers compare by value (1 and 1.0 are the same quantity of JSON).
    private static JsonNode? Normalize(JsonNode? node) => JsonNode.Parse(node?.ToJsonString() ?? "null");

    private static string FirstDifference(JsonNode? a, JsonNode? b, string path)
    {
        switch (a, b)
        {
            case (JsonObject oa, JsonObject ob):
                foreach (var key in oa.Select(p => p.Key).Union(ob.Select(p => p.Key)))
                {
                    if (!oa.ContainsKey(key) || !ob.ContainsKey(key))
                    {
                        return $"{path}.{key} present on one side only";
                    }

                    var d = FirstDifference(oa[key], ob[key], $"{path}.{key}");
                    if (d.Length > 0)
                    {
                        return d;
                    }
                }

                return "";
            case (JsonArray aa, JsonArray ab):
                if (aa.Count != ab.Count)
                {
                    return $"{path} has {aa.Count} vs {ab.Count} items";
                }

                for (var i = 0; i < aa.Count; i++)
                {
                    var d = FirstDifference(aa[i], ab[i], $"{path}[{i}]");
                    if (d.Length > 0)
                    {
                        return d;
                    }
                }

                return "";
            default:
                return JsonNode.DeepEquals(Normalize(a), Normalize(b)) ? "" : $"{path}: {a?.ToJsonString()} vs {b?.ToJsonString()}";
        }
    }
}
