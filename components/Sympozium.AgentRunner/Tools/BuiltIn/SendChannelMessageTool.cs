using System.Text.Json;
using System.Text.Json.Nodes;
using Sympozium.Api.Messages;
using Sympozium.Api.WellKnown;
using Sympozium.AgentRunner.Tools.Ipc;

namespace Sympozium.AgentRunner.Tools.BuiltIn;

/// <summary>
/// <c>send_channel_message</c>: drops <c>/ipc/messages/send-&lt;id&gt;.json</c> for the ipc-bridge
/// to publish on <c>channel.message.send</c>. The channel must be one the product has (upstream
/// listed them in the schema but wrote any value).
/// </summary>
internal sealed class SendChannelMessageTool(RunnerPaths paths, ToolsOptions options, TimeProvider time) : IAgentTool
{
    public const string Name = "send_channel_message";

    /// <summary>The channel types a message can go out on.</summary>
    public static readonly IReadOnlyList<string> Channels = ["whatsapp", "telegram", "discord", "slack"];

    public ToolDefinition Definition { get; } = new(
        Name,
        "Send a message to the user via a connected channel (e.g. WhatsApp, Telegram, Discord, Slack). "
        + "Use this when the user asks you to notify them, send a summary, or deliver any text outside of the task result. "
        + "If no chatId is provided the message is sent to the device owner (self-chat).",
        ToolSchema.Parse("""
            {"type":"object","properties":{
              "channel":{"type":"string","description":"Channel type to send through: whatsapp, telegram, discord, or slack.","enum":["whatsapp","telegram","discord","slack"]},
              "text":{"type":"string","description":"The message text to send."},
              "chatId":{"type":"string","description":"Target chat or group ID. Leave empty to send to the device owner (self-chat)."}
            },"required":["channel","text"]}
            """));

    public Task<ToolResult> InvokeAsync(JsonObject arguments, CancellationToken cancellationToken)
    {
        var channel = ToolArguments.String(arguments, "channel")?.Trim().ToLowerInvariant();
        var text = ToolArguments.String(arguments, "text");
        var chatId = ToolArguments.String(arguments, "chatId");
        if (string.IsNullOrEmpty(channel))
        {
            return Task.FromResult(ToolResult.Error("Error: 'channel' is required (whatsapp, telegram, discord, slack)"));
        }

        if (!Channels.Contains(channel))
        {
            return Task.FromResult(ToolResult.Error($"Error: unknown channel '{channel}' — use one of whatsapp, telegram, discord, slack"));
        }

        if (string.IsNullOrEmpty(text))
        {
            return Task.FromResult(ToolResult.Error("Error: 'text' is required"));
        }

        var message = new OutboundMessage { Channel = channel, ChatId = string.IsNullOrEmpty(chatId) ? null : chatId, Text = text };
        var id = IpcRequestIds.Next(time);
        var path = paths.Resolve($"{IpcPaths.MessagesDir}/{IpcPaths.MessagePrefix}{id}.json");
        try
        {
            IpcFileWriter.Write(path, JsonSerializer.SerializeToUtf8Bytes(message, MessageJsonContext.Default.OutboundMessage));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Task.FromResult(ToolResult.Error($"Error writing message file: {FileErrors.Describe(e, IpcPaths.MessagesDir, path)}"));
        }

        options.Write($"wrote channel message {id}: channel={channel} chatId={chatId} len={text.Length}");
        var target = string.IsNullOrEmpty(chatId) ? "owner (self)" : chatId;
        return Task.FromResult(new ToolResult($"Message sent to {channel} channel (target: {target})"));
    }
}
