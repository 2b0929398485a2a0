using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using k8s;
using Sympozium.Api.Serialization;

namespace Sympozium.Controller.Tests;

/// <summary>
/// Compares a rendered Kubernetes object with a readable YAML file in Golden/. Run the tests with
/// UPDATE_GOLDEN=1 to rewrite the files after an intended change, then review the diff.
/// </summary>
internal static class GoldenFile
{
    /// <summary>One Kubernetes object as JSON, through the client's own serializer.</summary>
    public static JsonNode Node<T>(T value) => JsonNode.Parse(KubernetesJson.Serialize(value!))!;

    public static void Assert<T>(string name, T value, [CallerFilePath] string callerPath = "") =>
        AssertYaml(name, YamlJson.Write(Node(value)), callerPath);

    /// <summary>Several objects as a multi-document YAML file.</summary>
    public static void AssertDocuments(string name, IEnumerable<JsonNode> documents, [CallerFilePath] string callerPath = "") =>
        AssertYaml(name, YamlJson.WriteDocuments(documents), callerPath);

    private static void AssertYaml(string name, string yaml, string callerPath)
    {
        var path = Path.Combine(Path.GetDirectoryName(callerPath)!, "Golden", name + ".yaml");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, yaml);
            return;
        }

        Xunit.Assert.True(File.Exists(path), $"golden file {path} is missing; run the tests with UPDATE_GOLDEN=1 and review it");
        var expected = File.ReadAllText(path);
        if (expected != yaml)
        {
            var expectedLines = expected.Split('\n');
            var actualLines = yaml.Split('\n');
            var line = Enumerable.Range(0, Math.Min(expectedLines.Length, actualLines.Length)).FirstOrDefault(i => expectedLines[i] != actualLines[i], Math.Min(expectedLines.Length, actualLines.Length));
            Xunit.Assert.Fail($"{name}.yaml differs at line {line + 1}:\n  expected: {Get(expectedLines, line)}\n  actual:   {Get(actualLines, line)}\n(UPDATE_GOLDEN=1 rewrites it)\n\nactual document:\n{yaml}");
        }
    }

    private static string Get(string[] lines, int index) => index < lines.Length ? lines[index] : "(end of file)";
}
