using System.Text.Json.Nodes;
using Sympozium.Api.Serialization;

namespace Sympozium.Api.Tests;

/// <summary>YAML scalars resolve like kubectl's YAML 1.2 reader, and the writer quotes what would not survive.</summary>
public class YamlJsonTests
{
    [Fact]
    public void Plain_scalars_resolve_to_json_types_and_quoted_ones_stay_strings()
    {
        var node = YamlJson.Parse("""
            a: true
            b: "true"
            c: 42
            d: "42"
            e: 0.5
            f: ~
            g: hello world
            h: 'off'
            i: 0x1F
            """);

        Assert.Equal("""{"a":true,"b":"true","c":42,"d":"42","e":0.5,"f":null,"g":"hello world","h":"off","i":31}""", node.ToJsonString());
    }

    [Theory]
    [InlineData("true")]
    [InlineData("42")]
    [InlineData("1e3")]
    [InlineData("off")]
    [InlineData("yes")]
    [InlineData("null")]
    [InlineData("")]
    [InlineData(" leading space")]
    [InlineData("key: value")]
    [InlineData("# comment")]
    [InlineData("- dash")]
    [InlineData("*/5 * * * *")]
    [InlineData("tab\there")]
    [InlineData("line1\nline2")]
    [InlineData("line1\nline2\n")]
    [InlineData("  indented\nblock\n")]
    [InlineData("trailing spaces  \nline")]
    [InlineData("ends with blank lines\n\n")]
    [InlineData("quote \" and backslash \\")]
    [InlineData("unicode µs → ✓")]
    public void Strings_survive_a_write_and_read(string value)
    {
        var original = new JsonObject { ["value"] = value, ["list"] = new JsonArray(value) };

        var back = YamlJson.Parse(YamlJson.Write(original));

        Assert.Equal(value, back["value"]!.GetValue<string>());
        Assert.Equal(value, back["list"]![0]!.GetValue<string>());
    }

    [Fact]
    public void Nested_lists_of_objects_and_empty_containers_are_written_in_block_style()
    {
        var node = JsonNode.Parse("""{"a":{"b":[{"c":1,"d":[]},{"e":{}}],"f":[[1,2],[3]]}}""")!;

        var yaml = YamlJson.Write(node);

        Assert.Equal("a:\n  b:\n  - c: 1\n    d: []\n  - e: {}\n  f:\n  - - 1\n    - 2\n  - - 3\n", yaml);
        RoundTripTests.AssertSameJson(node, YamlJson.Parse(yaml));
    }

    [Fact]
    public void Duplicate_keys_and_multiple_documents_are_reported()
    {
        Assert.Contains("duplicate key", Assert.Throws<FormatException>(() => YamlJson.Parse("a: 1\na: 2\n")).Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(2, YamlJson.ParseDocuments("a: 1\n---\nb: 2\n---\n").Count);
        Assert.Throws<FormatException>(() => YamlJson.Parse("a: 1\n---\nb: 2\n"));
    }
}
