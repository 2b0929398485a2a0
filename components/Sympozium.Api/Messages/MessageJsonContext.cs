using System.Text.Json.Serialization;

namespace Sympozium.Api.Messages;

/// <summary>
/// Source-generated JSON for every payload components exchange over NATS and /ipc. Field names
/// are spelled on each property, exactly as upstream's Go structs tag them. Absent optional
/// fields stay absent (<c>null</c> is never written); names are read case-insensitively, as Go's
/// <c>encoding/json</c> reads them, so upstream peers and ours agree on every byte.
/// </summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(AgentResult))]
[JsonSerializable(typeof(AgentRunFailure))]
[JsonSerializable(typeof(AgentTerminationMessage))]
[JsonSerializable(typeof(StreamChunk))]
[JsonSerializable(typeof(TaskInput))]
[JsonSerializable(typeof(InboundMessage))]
[JsonSerializable(typeof(OutboundMessage))]
[JsonSerializable(typeof(ScheduleRequest))]
[JsonSerializable(typeof(SpawnRequest))]
[JsonSerializable(typeof(ExecRequest))]
[JsonSerializable(typeof(ExecResult))]
[JsonSerializable(typeof(McpRequest))]
[JsonSerializable(typeof(McpResult))]
[JsonSerializable(typeof(McpToolManifest))]
public sealed partial class MessageJsonContext : JsonSerializerContext;
