using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Sympozium.Api;
using Sympozium.Api.Kinds;
using Sympozium.Api.Messages;
using Sympozium.Api.Meta;
using Sympozium.Api.Serialization;
using Sympozium.Api.Validation;

// Exercises the API types at run time under Native AOT: one object of each kind goes through the
// source-generated JSON context and back, typed and through KnownKinds' untyped metadata, and a
// YAML manifest goes through the validator (YAML parser, embedded CRD schemas), and the bus and
// /ipc payloads go through their context and back.
// With --image it also checks what a container image must provide (scripts/build-images.sh runs
// it that way inside the image it built). Prints "ok" and exits 0, or names what broke and exits 1.

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

CheckValidation();
CheckMessages();

if (KnownKinds.All.Count != 8)
{
    failures.Add($"KnownKinds.All has {KnownKinds.All.Count} kinds, expected 8");
}

if (args.Contains("--image"))
{
    CheckImage();
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

// The manifest validator parses YAML and reads the CRD schemas embedded in Sympozium.Api.
void CheckValidation()
{
    const string valid = """
        apiVersion: sympozium.ai/v1alpha1
        kind: SkillPack
        metadata:
          name: check-skills
          namespace: default
        spec:
          skills:
            - name: hello
              content: "# Say hello"
        """;
    var results = ManifestValidator.ValidateYaml(valid);
    Expect(results.Count == 1 && results[0].IsValid, "validation", "a valid SkillPack was rejected: " + string.Join("; ", results));

    var invalid = ManifestValidator.ValidateYaml(valid.Replace("name: hello", "name: \"not a name!\"", StringComparison.Ordinal));
    Expect(invalid.Count == 1 && !invalid[0].IsValid, "validation", "a SkillPack with an invalid skill name was accepted");
}

// The payloads components exchange, including the parts held as raw JSON (arguments, metadata).
void CheckMessages()
{
    var messages = MessageJsonContext.Default;
    using var one = JsonDocument.Parse("1");
    CheckMessage(
        new AgentResult { Status = AgentResult.Success, Response = "hi", Metrics = new RunMetrics { DurationMs = 1, ToolCalls = 2 } },
        messages.AgentResult,
        """{"status":"success","response":"hi","metrics":{"durationMs":1,"inputTokens":0,"outputTokens":0,"toolCalls":2}}""");
    CheckMessage(
        new InboundMessage { Channel = "telegram", ChatId = "1", Text = "hi", Metadata = new() { ["n"] = one.RootElement } },
        messages.InboundMessage,
        """{"channel":"telegram","chatId":"1","text":"hi","metadata":{"n":1}}""");
    CheckMessage(
        new McpRequest { Id = "1", Tool = "k8s_get_pods", Arguments = new JsonObject { ["namespace"] = "default" } },
        messages.McpRequest,
        """{"id":"1","tool":"k8s_get_pods","arguments":{"namespace":"default"}}""");
    CheckMessage(new ExecResult { Id = "7", ExitCode = 124, TimedOut = true }, messages.ExecResult, """{"id":"7","exitCode":124,"timedOut":true}""");
}

void CheckMessage<T>(T message, JsonTypeInfo<T> typeInfo, string expected)
    where T : class
{
    var name = typeof(T).Name;
    try
    {
        var text = JsonSerializer.Serialize(message, typeInfo);
        Expect(text == expected, name, $"wrote {text}, expected {expected}");
        var back = JsonSerializer.Deserialize(text, typeInfo);
        Expect(back is not null && JsonSerializer.Serialize(back, typeInfo) == expected, name, "round trip changed the payload");
    }
    catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
    {
        failures.Add($"{name}: {e.GetType().Name}: {e.Message}");
    }
}

// What every component needs from the image's base layer.
void CheckImage()
{
    try
    {
        // libcrypto.so.3 is loaded with dlopen on first use.
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("sympozium")));
        Expect(hash.Length == 64, "image", "SHA-256 through OpenSSL returned " + hash);

        // Outbound TLS (LLM providers, the Kubernetes API) needs the CA bundle.
        using var roots = new X509Store(StoreName.Root, StoreLocation.LocalMachine);
        roots.Open(OpenFlags.ReadOnly);
        Expect(roots.Certificates.Count > 0, "image", "no CA certificate in the trust store (/etc/ssl/certs/ca-certificates.crt, SSL_CERT_FILE)");

        // Guid.NewGuid reads /dev/urandom; Activity and Kestrel call it.
        Expect(Guid.NewGuid() != Guid.Empty, "image", "Guid.NewGuid returned an empty Guid");

        // The root file system is read-only in the pod: /tmp is the one writable place.
        var probe = Path.Combine(Path.GetTempPath(), $"sympozium-check-{Environment.ProcessId}");
        File.WriteAllText(probe, "ok");
        File.Delete(probe);
    }
    catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or DllNotFoundException or TypeInitializationException)
    {
        failures.Add($"image: {e.GetType().Name}: {e.Message}");
    }
}

void Expect(bool condition, string kind, string message)
{
    if (!condition)
    {
        failures.Add(kind + ": " + message);
    }
}
