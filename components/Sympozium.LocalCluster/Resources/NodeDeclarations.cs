using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Sympozium.Api.Serialization;

namespace Sympozium.LocalCluster.Resources;

/// <summary>
/// The Nodes a local cluster declares at start: one <c>local-node</c> by default, or those of a
/// YAML file — a list (or a v1 List's items) of entries with name, labels and annotations:
/// <code>
/// - name: gpu-node
///   labels: {nvidia.com/gpu.present: "true"}
///   annotations: {sympozium.ai/inference-ollama: "http://127.0.0.1:11434"}
/// </code>
/// Full Node objects (with metadata) are accepted too. Each node is Ready with the standard
/// kubernetes.io/hostname, kubernetes.io/os and kubernetes.io/arch labels.
/// </summary>
public static class NodeDeclarations
{
    public const string DefaultNodeName = "local-node";

    public static IReadOnlyList<JsonObject> Load(string? file)
    {
        if (file is null)
        {
            return [Node(DefaultNodeName, null, null)];
        }

        JsonNode parsed;
        try
        {
            parsed = YamlJson.Parse(File.ReadAllText(file));
        }
        catch (Exception e) when (e is YamlDotNet.Core.YamlException or FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"--nodes {file}: not valid YAML: {e.Message}", e);
        }

        var entries = parsed as JsonArray ?? parsed["items"] as JsonArray
            ?? throw new InvalidDataException($"--nodes {file}: expected a YAML list of nodes (name, labels, annotations)");
        var nodes = new List<JsonObject>();
        foreach (var entry in entries)
        {
            var source = entry?["metadata"] as JsonObject ?? entry as JsonObject
                ?? throw new InvalidDataException($"--nodes {file}: each entry must be a mapping with a name");
            var name = source["name"]?.GetValue<string>();
            if (string.IsNullOrEmpty(name) || Sympozium.Api.Validation.NameRules.CheckSubdomain(name) is { } problem)
            {
                throw new InvalidDataException($"--nodes {file}: node name '{name}' is not valid: each node needs a DNS-1123 name");
            }

            nodes.Add(Node(name, source["labels"] as JsonObject, source["annotations"] as JsonObject));
        }

        return nodes;
    }

    private static JsonObject Node(string name, JsonObject? labels, JsonObject? annotations)
    {
        var allLabels = new JsonObject
        {
            ["kubernetes.io/hostname"] = name,
            ["kubernetes.io/os"] = "linux",
            ["kubernetes.io/arch"] = RuntimeInformation.OSArchitecture switch
            {
                Architecture.Arm64 => "arm64",
                _ => "amd64",
            },
        };
        foreach (var (key, value) in labels ?? [])
        {
            allLabels[key] = value?.ToString() ?? "";
        }

        var metadata = new JsonObject { ["name"] = name, ["labels"] = allLabels };
        if (annotations is { Count: > 0 })
        {
            metadata["annotations"] = annotations.DeepClone();
        }

        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Node",
            ["metadata"] = metadata,
            ["spec"] = new JsonObject(),
            ["status"] = new JsonObject
            {
                ["conditions"] = new JsonArray(new JsonObject
                {
                    ["type"] = "Ready",
                    ["status"] = "True",
                    ["reason"] = "KubeletReady",
                    ["message"] = "local cluster node",
                }),
                ["addresses"] = new JsonArray(
                    new JsonObject { ["type"] = "InternalIP", ["address"] = "127.0.0.1" },
                    new JsonObject { ["type"] = "Hostname", ["address"] = name }),
                ["nodeInfo"] = new JsonObject
                {
                    ["kubeletVersion"] = "v1.32.0-sympozium-local",
                    ["operatingSystem"] = "linux",
                    ["architecture"] = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "arm64" : "amd64",
                },
            },
        };
    }
}
