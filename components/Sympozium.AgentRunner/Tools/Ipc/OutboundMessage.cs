using System.Text.Json.Serialization;

namespace Sympozium.AgentRunner.Tools.Ipc;

/// <summary><c>/ipc/messages/send-&lt;id&gt;.json</c>, relayed by the ipc-bridge to <c>channel.message.send</c>.</summary>
public sealed record OutboundMessage
{
    [JsonPropertyName("channel")]
    public required string Channel { get; init; }

    [JsonPropertyName("chatId")]
    public string? ChatId { get; init; }

    [JsonPropertyName("text")]
    public required string Text { get; init; }
}
