using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Sympozium.Api.Kinds;
using Sympozium.Api.Serialization;

namespace Sympozium.Api.Validation;

/// <summary>The generated CRDs (crds/*.yaml), embedded in this assembly, and their schemas.</summary>
public static class CrdSchemas
{
    private static readonly ConcurrentDictionary<string, JsonObject> Crds = new(StringComparer.Ordinal);

    /// <summary>The CustomResourceDefinition object of a kind (a fresh copy the caller may change).</summary>
    public static JsonObject Crd(KindInfo kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        return (JsonObject)Load(kind).DeepClone();
    }

    /// <summary>The CRD manifests as YAML text, exactly as generated, keyed by file name.</summary>
    public static IReadOnlyDictionary<string, string> Manifests() =>
        KnownKinds.All.ToDictionary(k => k.CrdFileName, ReadText, StringComparer.Ordinal);

    /// <summary>The openAPIV3Schema of a kind (shared; do not modify).</summary>
    public static JsonObject Schema(KindInfo kind)
    {
        ArgumentNullException.ThrowIfNull(kind);
        var crd = Load(kind);
        return crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!.AsObject();
    }

    private static JsonObject Load(KindInfo kind) =>
        Crds.GetOrAdd(kind.Kind, _ => YamlJson.Parse(ReadText(kind)).AsObject());

    private static string ReadText(KindInfo kind)
    {
        var resource = "crds/" + kind.CrdFileName;
        using var stream = typeof(CrdSchemas).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"the CRD {resource} is not embedded; run `make crds` and rebuild");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
