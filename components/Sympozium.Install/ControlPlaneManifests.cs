using System.Text.Json.Nodes;
using Sympozium.Api.Serialization;

namespace Sympozium.Install;

/// <summary>
/// What an install applies, in order: the CRDs (crds/), then deploy/control-plane/ — the
/// namespace first, then NATS (so its Service has an endpoint by the time the components that
/// name it are applied), then the rest by file name. Optional add-ons (webhook-cert-manager.yaml,
/// which needs cert-manager) are left out. Used by the e2e/local suite and components/Sympozium.Demo; future home: components/Sympozium.Cli (install).
/// </summary>
public static class ControlPlaneManifests
{
    /// <summary>Files of deploy/control-plane/ applied only on request.</summary>
    public static IReadOnlySet<string> Optional { get; } = new HashSet<string>(StringComparer.Ordinal) { "webhook-cert-manager.yaml" };

    private static readonly string[] First = ["namespace.yaml", "nats.yaml"];

    /// <summary>
    /// Every document to apply, in order, with the NATS trust objects
    /// (<see cref="NatsTrustManifests"/>) after the namespace and before NATS: the installation's
    /// keys when it has them, new ones otherwise.
    /// </summary>
    public static async Task<IReadOnlyList<JsonObject>> LoadAsync(string root, Sympozium.Kubernetes.Client.KubernetesConnection connection, CancellationToken cancellationToken = default)
    {
        var documents = Load(root).ToList();
        var trust = await NatsTrustManifests.LoadOrCreateAsync(connection, cancellationToken: cancellationToken).ConfigureAwait(false);
        var nats = documents.FindIndex(d => d["kind"]?.ToString() == "Deployment" && d["metadata"]?["name"]?.ToString() == "nats");
        documents.InsertRange(nats < 0 ? documents.Count : nats, trust);
        return documents;
    }

    /// <summary>Every document to apply, in order, read from the repository (or release) root (without the NATS trust objects).</summary>
    public static IReadOnlyList<JsonObject> Load(string root)
    {
        var files = Directory.GetFiles(Path.Combine(root, "crds"), "*.yaml").Order(StringComparer.Ordinal).ToList();
        var controlPlane = Directory.GetFiles(Path.Combine(root, "deploy", "control-plane"), "*.yaml")
            .Where(f => !Optional.Contains(Path.GetFileName(f)))
            .OrderBy(f => Array.IndexOf(First, Path.GetFileName(f)) is var i and >= 0 ? i : First.Length)
            .ThenBy(f => f, StringComparer.Ordinal);
        files.AddRange(controlPlane);
        return files
            .SelectMany(f => YamlJson.ParseDocuments(File.ReadAllText(f)))
            .OfType<JsonObject>()
            .ToList();
    }
}
