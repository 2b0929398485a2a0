using System.Text.Json.Nodes;
using Sympozium.Api.Kinds;
using Sympozium.Api.Serialization;
using Sympozium.Api.Validation;
using Sympozium.CrdGen;

namespace Sympozium.Api.Tests;

/// <summary>crds/ is exactly what the C# types generate, and every CRD is structural and complete.</summary>
public class CrdGenerationTests
{
    public static TheoryData<string> Kinds() => new(KnownKinds.All.Select(k => k.Kind));

    [Fact]
    public void Crds_directory_matches_what_the_types_generate()
    {
        var generated = CrdRenderer.RenderAll();
        var onDisk = Directory.GetFiles(RepoPaths.Crds, "*.yaml").ToDictionary(f => Path.GetFileName(f), File.ReadAllText);

        Assert.Equal(generated.Keys.Order(), onDisk.Keys.Order());
        foreach (var (name, text) in generated)
        {
            Assert.True(text == onDisk[name], $"crds/{name} is stale: run `make crds` and commit the result");
        }
    }

    [Fact]
    public void Embedded_crds_are_the_generated_ones()
    {
        var generated = CrdRenderer.RenderAll();

        foreach (var (name, text) in CrdSchemas.Manifests())
        {
            Assert.True(text == generated[name], $"embedded {name} is stale: rebuild Sympozium.Api after `make crds`");
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Crd_is_namespaced_with_status_subresource_category_and_short_names(string kindName)
    {
        var kind = KnownKinds.ByKind(kindName)!;
        var crd = CrdSchemas.Crd(kind);
        var spec = crd["spec"]!;
        var version = spec["versions"]!.AsArray().Single()!;

        Assert.Equal("apiextensions.k8s.io/v1", crd["apiVersion"]!.GetValue<string>());
        Assert.Equal(kind.CrdName, crd["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("sympozium.ai", spec["group"]!.GetValue<string>());
        Assert.Equal("Namespaced", spec["scope"]!.GetValue<string>());
        Assert.Equal(kind.Kind, spec["names"]!["kind"]!.GetValue<string>());
        Assert.Equal(kind.Kind + "List", spec["names"]!["listKind"]!.GetValue<string>());
        Assert.Equal(kind.Plural, spec["names"]!["plural"]!.GetValue<string>());
        Assert.Equal(["sympozium"], spec["names"]!["categories"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.NotEmpty(spec["names"]!["shortNames"]!.AsArray());
        Assert.Equal("v1alpha1", version["name"]!.GetValue<string>());
        Assert.True(version["served"]!.GetValue<bool>());
        Assert.True(version["storage"]!.GetValue<bool>());
        Assert.NotNull(version["subresources"]!["status"]);
        Assert.Null(version["subresources"]!["scale"]);
    }

    [Fact]
    public void Short_names_are_unique_and_do_not_shadow_built_in_resources()
    {
        string[] builtIn = ["po", "svc", "cm", "ns", "no", "deploy", "ds", "rs", "sts", "sa", "pv", "pvc", "ing", "netpol", "ep", "ev", "crd", "cj", "hpa", "pdb", "pc", "sc", "csr", "rc", "limits", "quota", "job", "jobs", "ar"];
        var all = KnownKinds.All.SelectMany(k => CrdSchemas.Crd(k)["spec"]!["names"]!["shortNames"]!.AsArray().Select(s => s!.GetValue<string>())).ToList();

        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.DoesNotContain(all, s => builtIn.Contains(s) && s != "ar");
    }

    [Theory]
    [InlineData("SympoziumInstance", "Phase:string:.status.phase", "Active Agents:integer:.status.activeAgentPods", "Total Runs:integer:.status.totalAgentRuns")]
    [InlineData("AgentRun", "Instance:string:.spec.instanceRef", "Phase:string:.status.phase", "Pod:string:.status.podName")]
    [InlineData("SympoziumPolicy", "Bound:integer:.status.boundInstances")]
    [InlineData("SkillPack", "Skills:integer:.status.skillCount", "ConfigMap:string:.status.configMapName")]
    [InlineData("SympoziumSchedule", "Instance:string:.spec.instanceRef", "Schedule:string:.spec.schedule", "Type:string:.spec.type", "Phase:string:.status.phase", "Last Run:date:.status.lastRunTime")]
    [InlineData("PersonaPack", "Enabled:boolean:.spec.enabled", "Personas:integer:.status.personaCount", "Installed:integer:.status.installedCount", "Workflow:string:.spec.workflowType", "Phase:string:.status.phase")]
    [InlineData("MCPServer", "Transport:string:.spec.transportType", "Ready:boolean:.status.ready", "URL:string:.status.url", "Tools:integer:.status.toolCount")]
    [InlineData("SympoziumConfig", "Gateway:boolean:.spec.gateway.enabled", "Domain:string:.spec.gateway.baseDomain", "Phase:string:.status.phase")]
    public void Printer_columns_match_upstream_and_end_with_age(string kindName, params string[] expected)
    {
        var crd = CrdSchemas.Crd(KnownKinds.ByKind(kindName)!);
        var columns = crd["spec"]!["versions"]![0]!["additionalPrinterColumns"]!.AsArray()
            .Select(c => $"{c!["name"]}:{c["type"]}:{c["jsonPath"]}").ToList();

        Assert.Equal([.. expected, "Age:date:.metadata.creationTimestamp"], columns);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Schema_is_structural(string kindName)
    {
        var schema = CrdSchemas.Schema(KnownKinds.ByKind(kindName)!);
        var problems = new List<string>();

        CheckStructural(schema, "", problems, isRoot: true);

        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_default_is_valid_against_its_own_schema(string kindName)
    {
        var schema = CrdSchemas.Schema(KnownKinds.ByKind(kindName)!);
        var problems = new List<ValidationError>();

        foreach (var (path, node) in Walk(schema, ""))
        {
            if (node["default"] is { } value)
            {
                var withoutDefault = (JsonObject)node.DeepClone();
                withoutDefault.Remove("default");
                StructuralSchema.Validate(value, withoutDefault, path, problems);
            }
        }

        Assert.Empty(problems);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Every_field_has_a_description_for_kubectl_explain(string kindName)
    {
        var schema = CrdSchemas.Schema(KnownKinds.ByKind(kindName)!);

        var undescribed = Walk(schema, "")
            .Where(p => p.Path.Length > 0 && !p.Path.EndsWith("[]", StringComparison.Ordinal) && !p.Path.EndsWith("{}", StringComparison.Ordinal) && p.Path != "metadata")
            .Where(p => p.Node["description"] is null)
            .Select(p => p.Path)
            .ToList();

        Assert.True(undescribed.Count == 0, "no description: " + string.Join(", ", undescribed));
    }

    [Fact]
    public void Every_upstream_field_exists_with_its_json_name()
    {
        var missing = new List<string>();
        foreach (var (kindName, paths) in UpstreamFields.ByKind)
        {
            var schemaPaths = SchemaPaths.Leaves(CrdSchemas.Schema(KnownKinds.ByKind(kindName)!), "").ToHashSet();
            missing.AddRange(paths.Where(p => !schemaPaths.Contains(p)).Select(p => $"{kindName} {p}"));
        }

        Assert.True(missing.Count == 0, "missing: " + string.Join(", ", missing));
        Assert.Equal(8, UpstreamFields.ByKind.Count);
    }

    [Theory]
    [InlineData("SympoziumInstance", "spec", "agents")]
    [InlineData("SympoziumInstance", "spec.agents", "default")]
    [InlineData("AgentRun", "spec", "instanceRef", "agentId", "sessionKey", "task", "model")]
    [InlineData("AgentRun", "spec.model", "provider", "model", "authSecretRef")]
    [InlineData("SkillPack", "spec", "skills")]
    [InlineData("SympoziumSchedule", "spec", "instanceRef", "schedule", "task")]
    [InlineData("PersonaPack", "spec", "personas")]
    [InlineData("MCPServer", "spec", "transportType", "toolsPrefix")]
    [InlineData("MCPServer", "status", "ready")]
    public void Required_lists_match_upstream(string kindName, string path, params string[] required)
    {
        var node = (JsonNode)CrdSchemas.Schema(KnownKinds.ByKind(kindName)!);
        foreach (var part in path.Split('.'))
        {
            node = node["properties"]![part]!;
        }

        var actual = node["required"]?.AsArray().Select(r => r!.GetValue<string>()).ToArray() ?? [];
        Assert.Equal(required.Order(), actual.Order());
    }

    private static void CheckStructural(JsonObject node, string path, List<string> problems, bool isRoot = false)
    {
        var intOrString = node["x-kubernetes-int-or-string"]?.GetValue<bool>() == true;
        var preserve = node["x-kubernetes-preserve-unknown-fields"]?.GetValue<bool>() == true;
        if (node["type"] is null && !intOrString && !preserve)
        {
            problems.Add($"{path}: no type");
        }

        if (preserve)
        {
            problems.Add($"{path}: x-kubernetes-preserve-unknown-fields is not intended anywhere in our kinds");
        }

        if (node["properties"] is not null && node["additionalProperties"] is not null)
        {
            problems.Add($"{path}: properties beside additionalProperties");
        }

        if (node["type"]?.GetValue<string>() == "array" && node["items"] is null)
        {
            problems.Add($"{path}: array without items");
        }

        if (node["anyOf"] is JsonArray anyOf && (!intOrString || anyOf.Any(a => a!["type"] is null || a.AsObject().Count != 1)))
        {
            problems.Add($"{path}: anyOf is only allowed as the int-or-string pattern");
        }

        foreach (var key in node.Select(p => p.Key))
        {
            if (key is not ("type" or "description" or "properties" or "required" or "items" or "additionalProperties" or "enum"
                or "default" or "pattern" or "minLength" or "maxLength" or "minimum" or "maximum" or "format" or "anyOf"
                or "x-kubernetes-int-or-string" or "x-kubernetes-list-type" or "x-kubernetes-list-map-keys" or "x-kubernetes-preserve-unknown-fields"))
            {
                problems.Add($"{path}: unexpected schema keyword {key}");
            }
        }

        if (isRoot && node["properties"]!["metadata"]!.AsObject().Count != 1)
        {
            problems.Add("metadata: must only declare type: object (the API server owns its schema)");
        }

        foreach (var (childPath, child) in Children(node, path))
        {
            CheckStructural(child, childPath, problems);
        }
    }

    private static IEnumerable<(string Path, JsonObject Node)> Walk(JsonObject node, string path)
    {
        yield return (path, node);
        foreach (var (childPath, child) in Children(node, path))
        {
            foreach (var item in Walk(child, childPath))
            {
                yield return item;
            }
        }
    }

    private static IEnumerable<(string, JsonObject)> Children(JsonObject node, string path)
    {
        if (node["properties"] is JsonObject properties)
        {
            foreach (var (name, child) in properties)
            {
                yield return (path.Length == 0 ? name : $"{path}.{name}", child!.AsObject());
            }
        }

        if (node["items"] is JsonObject items)
        {
            yield return (path + "[]", items);
        }

        if (node["additionalProperties"] is JsonObject values)
        {
            yield return (path + "{}", values);
        }
    }

    [Fact]
    public void Generated_yaml_parses_back_to_the_same_crd_objects()
    {
        foreach (var kind in KnownKinds.All)
        {
            var built = CrdRenderer.Build(kind);
            var parsed = YamlJson.Parse(CrdRenderer.RenderAll()[kind.CrdFileName]);

            RoundTripTests.AssertSameJson(built, parsed);
        }
    }
}
