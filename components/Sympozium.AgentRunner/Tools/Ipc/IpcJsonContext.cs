using System.Text.Json.Serialization;

namespace Sympozium.AgentRunner.Tools.Ipc;

/// <summary>Source-generated JSON for the IPC files the tools write and read (compact, nulls left out).</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(ExecRequest))]
[JsonSerializable(typeof(ExecResult))]
[JsonSerializable(typeof(McpRequest))]
[JsonSerializable(typeof(McpResult))]
[JsonSerializable(typeof(McpToolManifest))]
[JsonSerializable(typeof(OutboundMessage))]
[JsonSerializable(typeof(ScheduleRequest))]
[JsonSerializable(typeof(SpawnRequest))]
public sealed partial class IpcJsonContext : JsonSerializerContext;
