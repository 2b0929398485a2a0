using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;
using Sympozium.Api.Kinds;
using Sympozium.Api.Messages;
using Sympozium.Api.WellKnown;
using Sympozium.Controller.Reconcilers;
using Sympozium.EventBus;
using Sympozium.Kubernetes.Client;

namespace Sympozium.Controller.Channels;

/// <summary>
/// Turns channel messages into AgentRuns and run outcomes back into channel replies
/// (docs/design/channels.md#channel-router, with the fixes of upstream-fixes.md#cp-8 and
/// upstream-fixes.md#cp-9). Run it on the leader only.
/// </summary>
/// <remarks>
/// <para>Two durable consumers (channel messages; run outcomes in publish order), each acking an
/// event only after it was handled, so nothing is lost across controller restarts, leader
/// changes or NATS restarts. Delivery is therefore at least once, and each step is idempotent:</para>
/// <list type="bullet">
/// <item>A message becomes a run whose name is derived from the message (<see cref="ChannelRunBuilder.MessageKey"/>):
/// a second delivery hits AlreadyExists and is acked as done.</item>
/// <item>A reply carries the message id <c>reply/&lt;run uid&gt;</c>, whether it answers
/// <c>agent.run.completed</c> or <c>agent.run.failed</c>: JetStream stores one of them. After
/// publishing, the run is annotated <see cref="RepliedAnnotation"/>, and a run with that
/// annotation is never answered again, so an outcome reported after the duplicate window (a
/// failure long after the agent's answer) stays silent too. Publishing first and annotating
/// second means a crash in between republishes into the window, never loses the reply.</item>
/// <item>A deny message carries <c>deny/&lt;message key&gt;</c>.</item>
/// </list>
/// </remarks>
public sealed partial class ChannelRouter
{
    /// <summary>Set on a channel run once its reply is published; the value is the topic that produced it.</summary>
    public const string RepliedAnnotation = Labels.Prefix + "replied";

    private readonly Clients _clients;
    private readonly NatsEventBus _bus;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ChannelRouterOptions _options;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="clients">Kubernetes clients (instances and runs are read and written).</param>
    /// <param name="bus">A connected event bus; the router only subscribes and publishes, it does not dispose it.</param>
    /// <param name="logger">Where the router logs.</param>
    /// <param name="time">Clock for envelope timestamps (default: the system clock).</param>
    /// <param name="options">Consumer settings (default: <see cref="ChannelRouterOptions.Default"/>).</param>
    public ChannelRouter(Clients clients, NatsEventBus bus, ILogger logger, TimeProvider? time = null, ChannelRouterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(logger);
        _clients = clients;
        _bus = bus;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _options = options ?? ChannelRouterOptions.Default;
    }

    /// <summary>Completes once the consumers exist on the server (the first time <see cref="RunAsync"/> gets there).</summary>
    public Task Ready => _ready.Task;

    /// <summary>
    /// Consumes until <paramref name="cancellationToken"/> is cancelled (leadership lost, shutdown),
    /// then stops the consumers, letting a handler that is running finish and ack. Returns
    /// normally on cancellation. While NATS is unreachable the consumers keep retrying.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var subscriptions = new List<EventSubscription>(3);
        try
        {
            subscriptions.Add(_bus.Subscribe(_options.Subscription(_options.InboundConsumer, NatsSubjects.FromAnyChannel(NatsSubjects.ChannelMessageReceived)), HandleMessageAsync));
            subscriptions.Add(_bus.Subscribe(_options.Subscription(_options.OutcomesConsumer, OutcomesSubject), HandleOutcomeAsync));
            subscriptions.Add(_bus.Subscribe(_options.Subscription(_options.AgentMessagesConsumer, NatsSubjects.FromAnyRun(NatsSubjects.ChannelMessageSend)), HandleAgentMessageAsync));

            await Task.WhenAll(subscriptions.Select(s => s.Ready)).WaitAsync(cancellationToken).ConfigureAwait(false);
            Log.Started(_logger, _options.InboundConsumer, _options.OutcomesConsumer);
            _ready.TrySetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var subscription in subscriptions)
            {
                await subscription.DisposeAsync().ConfigureAwait(false);
            }

            Log.Stopped(_logger);
        }
    }

    /// <summary>channel.message.received → access check → AgentRun (or deny message).</summary>
    private async ValueTask HandleMessageAsync(ReceivedEvent received, CancellationToken cancellationToken)
    {
        var envelope = received.Envelope;
        if (!TryRead(envelope.Data, MessageJsonContext.Default.InboundMessage, out var message, out var problem))
        {
            Log.MessageMalformed(_logger, received.StreamSequence, problem);
            return;
        }

        // Who sent it is what the subject says: the channel pod's credentials allow only its own
        // instance's subject. What the payload or the metadata claim is not trusted.
        if (!NatsSubjects.TryParse(received.Subject, out var scope) || !scope.IsInstance || scope.Channel is null)
        {
            Log.MessageIgnored(_logger, received.StreamSequence, $"{received.Subject} is not an instance's channel subject");
            return;
        }

        var (ns, instanceName, channel) = (scope.Namespace, scope.Name, scope.Channel);
        if (string.IsNullOrWhiteSpace(message.Text))
        {
            Log.MessageIgnored(_logger, received.StreamSequence, "empty text");
            return;
        }

        var instance = await _clients.Instances.GetAsync(ns, instanceName, cancellationToken).ConfigureAwait(false);
        if (instance is null)
        {
            Log.InstanceNotFound(_logger, received.StreamSequence, ns + "/" + instanceName);
            return;
        }

        var key = ChannelRunBuilder.MessageKey(ns, instanceName, channel, message, received.MessageId, received.StreamSequence);
        var access = ChannelAccess.Check(instance, channel, message.SenderId, message.ChatId);
        if (!access.Allowed)
        {
            var silent = string.IsNullOrEmpty(access.DenyMessage);
            Log.MessageDenied(_logger, ns, instanceName, channel, access.Reason ?? "", silent ? "dropped silently" : "deny message sent");
            if (!silent)
            {
                await PublishReplyAsync(ns, instanceName, channel, message.ChatId ?? "", message.ThreadId, access.DenyMessage!, "deny/" + key, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        var name = ChannelRunBuilder.RunName(instanceName, key);
        var run = ChannelRunBuilder.Build(instance, message, channel, name, envelope.Timestamp);
        try
        {
            await _clients.Runs.CreateAsync(ns, run, cancellationToken).ConfigureAwait(false);
            Log.RunCreated(_logger, ns, name, channel, message.ChatId ?? "");
        }
        catch (KubernetesApiException e) when (e.IsAlreadyExists)
        {
            // Delivered before (a redelivery after a crash, or the channel pod sent it twice).
            Log.RunAlreadyCreated(_logger, ns, name);
        }
        catch (KubernetesApiException e) when (IsRefusal(e))
        {
            // Admission refused the run (a policy webhook, the schema): no redelivery changes
            // that, and silence would leave the user waiting. One reply, whose id is derived from
            // the message, so a redelivered message is not answered twice.
            Log.RunRefused(_logger, ns, name, e.Message);
            await PublishReplyAsync(ns, instanceName, channel, message.ChatId ?? "", message.ThreadId, ReplyText.ForRefusal(RefusalReason(e)), "refused/" + key, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (IsPermanent(e))
        {
            Log.RunRejected(_logger, ns, name, e.Message);
        }
    }

    private async Task PublishReplyAsync(string ns, string instance, string channel, string chatId, string? threadId, string text, string messageId, CancellationToken cancellationToken)
    {
        var data = JsonSerializer.SerializeToElement(
            new OutboundMessage { Channel = channel, ChatId = chatId, ThreadId = string.IsNullOrEmpty(threadId) ? null : threadId, Text = text },
            MessageJsonContext.Default.OutboundMessage);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [NatsSubjects.Metadata.InstanceName] = instance,
            [NatsSubjects.Metadata.Channel] = channel,
            [NatsSubjects.Metadata.Namespace] = ns,
        };
        var envelope = EventEnvelope.Create(NatsSubjects.ChannelMessageSend, metadata, data, _time) with
        {
            Subject = NatsSubjects.ToChannel(ns, instance, channel, NatsSubjects.ChannelMessageSend),
        };
        var result = await _bus.PublishAsync(envelope, messageId, cancellationToken).ConfigureAwait(false);
        Log.ReplyPublished(_logger, messageId, ns + "/" + instance, channel, result.Duplicate);
    }

    /// <summary>Errors a redelivery cannot fix: the request itself is wrong.</summary>
    private static bool IsPermanent(KubernetesApiException e) =>
        e.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity or HttpStatusCode.NotFound;

    private const string DeniedBy = "denied the request: ";

    /// <summary>
    /// Admission refused the run: a webhook denied it ("admission webhook "…" denied the request: …",
    /// 403 from our policy webhook, at least 400 from any), or the schema found it invalid (400, 422).
    /// A 403 without a webhook's denial is the controller's own RBAC, which the user cannot fix.
    /// </summary>
    private static bool IsRefusal(KubernetesApiException e) =>
        e.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity ||
        ((int)e.StatusCode >= 400 && e.Message.Contains(DeniedBy, StringComparison.Ordinal));

    /// <summary>What the user is told: the webhook's own words, else the API server's message without the request line.</summary>
    private static string RefusalReason(KubernetesApiException e)
    {
        var denied = e.Message.IndexOf(DeniedBy, StringComparison.Ordinal);
        if (denied >= 0)
        {
            return e.Message[(denied + DeniedBy.Length)..];
        }

        // "<request>: <code> <reason> <message>" (KubernetesApiException.FromResponse).
        var status = $": {(int)e.StatusCode} {e.Reason} ";
        var start = e.Message.IndexOf(status, StringComparison.Ordinal);
        return start >= 0 ? e.Message[(start + status.Length)..] : e.Message;
    }

    private static string? FirstSet(string? first, string? second) =>
        !string.IsNullOrWhiteSpace(first) ? first : !string.IsNullOrWhiteSpace(second) ? second : null;

    private static bool TryRead<T>(JsonElement data, JsonTypeInfo<T> type, out T value, out string problem)
        where T : class
    {
        value = null!;
        if (data.ValueKind != JsonValueKind.Object)
        {
            problem = "data is " + data.ValueKind + ", not an object";
            return false;
        }

        try
        {
            value = data.Deserialize(type)!;
            problem = "";
            return value is not null;
        }
        catch (JsonException e)
        {
            problem = e.Message;
            return false;
        }
    }
}
