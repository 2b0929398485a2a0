using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Sympozium.Api;
using Sympozium.Api.Kinds;
using Sympozium.Api.Meta;
using Sympozium.Api.Serialization;

// Exercises the API types at run time under Native AOT: one object of each kind goes through the
// source-generated JSON context and back, typed and through KnownKinds' untyped metadata.
// Prints "ok" and exits 0, or names what broke and exits 1.

var json = SympoziumJsonContext.Default;
var failures = new List<string>();

Check(new SympoziumInstance(), json.SympoziumInstance);
Check(new AgentRun(), json.AgentRun);
Check(new SympoziumPolicy(), json.SympoziumPolicy);
Check(new SkillPack(), json.SkillPack);
Check(new SympoziumSchedule(), json.SympoziumSchedule);
Check(new PersonaPack(), json.PersonaPack);
Check(new MCPServer(), json.MCPServer);
Check(new SympoziumConfig(), json.SympoziumConfig);

if (KnownKinds.All.Count != 8)
{
    failures.Add($"KnownKinds.All has {KnownKinds.All.Count} kinds, expected 8");
}

foreach (var failure in failures)
{
    Console.Error.WriteLine("FAIL " + failure);
}

if (failures.Count > 0)
{
    return 1;
}

Console.WriteLine("ok");
return 0;

void Check<T>(T resource, JsonTypeInfo<T> typeInfo)
    where T : class, IKubernetesObject
{
    var kind = resource.Kind;
    resource.Metadata.Name = "check-" + kind.ToLowerInvariant();
    resource.Metadata.Namespace = "default";
    resource.Metadata.Labels = new() { ["app.kubernetes.io/name"] = "check-native-aot" };

    try
    {
        var text = JsonSerializer.Serialize(resource, typeInfo);
        var back = JsonSerializer.Deserialize(text, typeInfo);
        Expect(back is not null && back.Kind == kind && back.ApiVersion == ApiGroup.ApiVersion
               && back.Metadata.Name == resource.Metadata.Name
               && back.Metadata.Labels?["app.kubernetes.io/name"] == "check-native-aot",
            kind, "typed round trip lost apiVersion, kind or metadata: " + text);

        // The untyped path the generic client and the watch use.
        var info = KnownKinds.ByKind(kind);
        Expect(info is not null, kind, "missing from KnownKinds");
        if (info is null)
        {
            return;
        }

        Expect(info.TypeInfo.Type == typeof(T), kind, $"KnownKinds metadata is for {info.TypeInfo.Type.Name}");
        var untyped = JsonSerializer.Deserialize(text, info.TypeInfo) as IKubernetesObject;
        Expect(untyped?.Metadata.Name == resource.Metadata.Name, kind, "untyped deserialization lost metadata.name");

        var list = JsonSerializer.Deserialize("{\"items\":[" + text + "]}", info.ListTypeInfo) as KubernetesList<T>;
        Expect(list?.Items.Count == 1 && list.Items[0].Kind == kind, kind, "list deserialization lost the item");
    }
    catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
    {
        failures.Add($"{kind}: {e.GetType().Name}: {e.Message}");
    }
}

void Expect(bool condition, string kind, string message)
{
    if (!condition)
    {
        failures.Add(kind + ": " + message);
    }
}
