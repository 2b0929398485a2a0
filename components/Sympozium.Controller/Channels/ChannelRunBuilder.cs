using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Sympozium.Api.Kinds;
using Sympozium.Api.Messages;
using Sympozium.Api.Meta;
using Sympozium.Api.WellKnown;
using Sympozium.Controller.Builders;

namespace Sympozium.Controller.Channels;

/// <summary>
/// The AgentRun a channel message becomes (docs/design/channels.md#run-naming), with
/// one change: the name is derived from the message instead of generated, so a message that is
/// delivered again (a crash before the ack, a channel pod that re-reads its updates) finds its
/// run already there instead of starting a second one.
/// </summary>
public static class ChannelRunBuilder
{
    /// <summary>Fixed timeout of channel runs, in the Go duration format upstream writes.</summary>
    public const string RunTimeout = "10m0s";

    /// <summary>The agent id of channel runs.</summary>
    public const string AgentId = "primary";

    /// <summary>Run names become Job names and label values: at most 63 characters.</summary>
    public const int MaxNameLength = 63;

    /// <summary>Hex characters of <see cref="MessageKey"/> in the run name (40 bits).</summary>
    public const int NameHashLength = 10;

    private const string NameInfix = "-ch-";

    /// <summary>
    /// A stable identity of one channel message, as 64 hex characters: a hash of the instance,
    /// channel and chat plus the platform's message id (<c>messageId</c>, else upstream pods'
    /// <c>metadata.messageId</c> or Slack's <c>metadata.ts</c>); without one, the publisher's <c>Nats-Msg-Id</c>; without that, the
    /// stream sequence (stable across redeliveries of the same stored event).
    /// </summary>
    public static string MessageKey(string ns, string instance, string channel, InboundMessage message, string? natsMessageId, ulong streamSequence)
    {
        ArgumentNullException.ThrowIfNull(message);
        var identity = PlatformMessageId(message) is { } platformId
            ? "platform:" + platformId
            : !string.IsNullOrEmpty(natsMessageId)
                ? "nats:" + natsMessageId
                : "seq:" + streamSequence.ToString(CultureInfo.InvariantCulture);
        var text = string.Join('\n', ns, instance, channel, message.ChatId ?? "", identity);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>
    /// <c>&lt;instance&gt;-ch-&lt;hash&gt;</c> (upstream's generateName prefix plus a suffix taken
    /// from <paramref name="messageKey"/>); a long instance name is shortened to fit 63 characters.
    /// </summary>
    public static string RunName(string instance, string messageKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(instance);
        ArgumentException.ThrowIfNullOrEmpty(messageKey);
        var room = MaxNameLength - NameInfix.Length - NameHashLength;
        var prefix = instance.Length <= room ? instance : instance[..room].TrimEnd('-', '.');
        return prefix + NameInfix + messageKey[..NameHashLength];
    }

    /// <summary>The run for an accepted message.</summary>
    /// <param name="instance">The instance the message is for.</param>
    /// <param name="message">The message; <see cref="InboundMessage.Text"/> becomes the task.</param>
    /// <param name="channel">The channel type the reply goes back to.</param>
    /// <param name="name">From <see cref="RunName"/>.</param>
    /// <param name="receivedAt">The envelope's timestamp (keeps the session key the same on redelivery).</param>
    public static AgentRun Build(SympoziumInstance instance, InboundMessage message, string channel, string name, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(message);
        var agent = instance.Spec.Agents.Default;
        var chatId = message.ChatId ?? "";
        var annotations = new Dictionary<string, string>
        {
            [Annotations.ReplyChannel] = channel,
            [Annotations.ReplyChatId] = chatId,
        };
        AddIfSet(annotations, Annotations.ReplyThreadId, message.ThreadId);
        AddIfSet(annotations, Annotations.SenderId, message.SenderId);
        AddIfSet(annotations, Annotations.SenderName, message.SenderName);

        var nanos = (receivedAt.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
        return new AgentRun
        {
            Metadata = new ObjectMeta
            {
                Name = name,
                Namespace = instance.Metadata.Namespace,
                Labels = new Dictionary<string, string>
                {
                    [Labels.Instance] = instance.Metadata.Name ?? "",
                    [Labels.Source] = Labels.Sources.Channel,
                    [Labels.SourceChannel] = channel,
                },
                Annotations = annotations,
            },
            Spec = new AgentRunSpec
            {
                InstanceRef = instance.Metadata.Name ?? "",
                AgentId = AgentId,
                SessionKey = $"channel-{channel}-{chatId}-{nanos.ToString(CultureInfo.InvariantCulture)}",
                Task = message.Text ?? "",
                Model = new ModelSpec
                {
                    Provider = ProviderResolver.Provider(instance),
                    Model = agent.Model,
                    BaseURL = agent.BaseURL,
                    AuthSecretRef = ProviderResolver.AuthSecret(instance),
                    NodeSelector = agent.NodeSelector is { Count: > 0 } selector ? new Dictionary<string, string>(selector) : null,
                },
                Skills = instance.Spec.Skills is { Count: > 0 } skills ? [.. skills] : null,
                Timeout = RunTimeout,
                ImagePullSecrets = instance.Spec.ImagePullSecrets is { Count: > 0 } secrets ? [.. secrets] : null,
                Lifecycle = agent.Lifecycle,
            },
        };
    }

    /// <summary>The platform's id of the message, from the data or its <c>metadata</c>.</summary>
    internal static string? PlatformMessageId(InboundMessage message)
    {
        if (!string.IsNullOrEmpty(message.MessageId))
        {
            return message.MessageId;
        }

        if (message.Metadata is not { } metadata)
        {
            return null;
        }

        foreach (var key in (ReadOnlySpan<string>)["messageId", "ts"])
        {
            if (metadata.TryGetValue(key, out var value))
            {
                var text = value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString(),
                    JsonValueKind.Number => value.GetRawText(),
                    _ => null,
                };
                if (!string.IsNullOrEmpty(text))
                {
                    return text;
                }
            }
        }

        return null;
    }

    private static void AddIfSet(Dictionary<string, string> annotations, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            annotations[key] = value;
        }
    }
}
