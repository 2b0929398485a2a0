using System.Text.Json.Nodes;
using Sympozium.Api.Kinds;

namespace Sympozium.Api.Validation;

/// <summary>Schema defaulting for Sympozium manifests, as the API server applies it on create and update.</summary>
public static class ManifestDefaults
{
    /// <summary>Writes the CRD's defaults into absent fields of <paramref name="manifest"/> (in place).</summary>
    /// <returns>False when the manifest's kind is not a Sympozium kind (nothing changed).</returns>
    public static bool Apply(JsonObject manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest["kind"]?.GetValue<string>() is not { } kindName || KnownKinds.ByKind(kindName) is not { } kind)
        {
            return false;
        }

        StructuralSchema.ApplyDefaults(manifest, CrdSchemas.Schema(kind));
        return true;
    }
}
