using Sympozium.Api.WellKnown;

namespace Sympozium.EventBus.Credentials;

/// <summary>
/// What one NATS user may publish and subscribe to (allow lists; everything else is denied).
/// The factories are the only permission sets the controller mints
/// (docs/design/event-bus.md#credentials).
/// </summary>
public sealed record NatsPermissions(IReadOnlyList<string> Publish, IReadOnlyList<string> Subscribe, string InboxPrefix)
{
    private const string Stream = NatsSubjects.Stream;

    /// <summary>
    /// One run's ipc-bridge: publish its own run's events, and read what is addressed to it through
    /// its two durable consumers. Consumers may be created only with their exact names on their
    /// exact filter subjects (the filtered create API; the server refuses a body whose filter
    /// differs), so a run cannot open a consumer that reads anybody else's events.
    /// </summary>
    public static NatsPermissions ForRun(string ns, string runUid)
    {
        var inbox = "_INBOX.run-" + NatsSubjects.Token(runUid);
        List<string> publish = [NatsSubjects.AllFromRun(ns, runUid)];
        publish.AddRange(ConsumerRights(NatsConsumers.RunFollowups(runUid), NatsSubjects.ToRun(ns, runUid, NatsSubjects.AgentFollowup)));
        publish.AddRange(ConsumerRights(NatsConsumers.RunExecResults(runUid), NatsSubjects.ToRun(ns, runUid, NatsSubjects.ToolExecResult)));
        return new NatsPermissions(publish, [inbox + ".>"], inbox);
    }

    /// <summary>
    /// One instance's channel pod of one type: publish its inbound messages and health, read its
    /// replies, record and read the progress of its instance's split replies.
    /// </summary>
    public static NatsPermissions ForChannel(string ns, string instance, string channel)
    {
        var inbox = "_INBOX.channel-" + NatsSubjects.Token(ns) + "-" + NatsSubjects.Token(instance) + "-" + NatsSubjects.Token(channel);
        List<string> publish = [NatsSubjects.AllFromChannel(ns, instance, channel)];
        publish.AddRange(ConsumerRights(NatsConsumers.ChannelOutbound(ns, instance, channel), NatsSubjects.ToChannel(ns, instance, channel, NatsSubjects.ChannelMessageSend)));

        // The progress of split replies: put and read the instance's own keys, nothing else
        // (docs/design/channels.md#outbound-delivery). The bucket is the controller's to create.
        var progress = KeyValueBucket.OutboundProgress;
        var keys = progress.Subject(KeyValueBucket.Key(ns, instance) + ".>");
        publish.Add(keys);
        publish.Add($"$JS.API.DIRECT.GET.{progress.StreamName}.{keys}");
        return new NatsPermissions(publish, [inbox + ".>"], inbox);
    }

    /// <summary>
    /// The controller: the router and the stream's owner. It publishes into every scope, manages
    /// the stream and its own consumers, and reads replies on its inbox.
    /// </summary>
    public static NatsPermissions ForController() =>
        new([NatsSubjects.All, "$JS.API.>", "$JS.ACK." + Stream + ".>", "$KV.>"], ["_INBOX.controller.>"], "_INBOX.controller");

    /// <summary>
    /// Creating (filtered form only), looking up, pulling from and acknowledging one consumer.
    /// The unfiltered create subject (<c>…CREATE.stream.name</c>) and the legacy durable create
    /// are not granted: their request body may name any filter.
    /// </summary>
    private static IEnumerable<string> ConsumerRights(string consumer, string filter) =>
    [
        $"$JS.API.CONSUMER.CREATE.{Stream}.{consumer}.{filter}",
        $"$JS.API.CONSUMER.INFO.{Stream}.{consumer}",
        $"$JS.API.CONSUMER.MSG.NEXT.{Stream}.{consumer}",
        $"$JS.ACK.{Stream}.{consumer}.>",
    ];
}
