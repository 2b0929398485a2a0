using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Sympozium.Api.Tests.Messages;

/// <summary>JSON for values the tests build payloads from.</summary>
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(JsonArray))]
internal sealed partial class TestJson : JsonSerializerContext;
