using Sympozium.Api.WellKnown;
using Sympozium.EventBus;

namespace Sympozium.Controller.Channels;

/// <summary>How the channel router consumes the bus. Change with <c>with</c>.</summary>
public sealed record ChannelRouterOptions
{
    /// <summary>The defaults.</summary>
    public static ChannelRouterOptions Default { get; } = new();

    /// <summary>
    /// Prefix of the two durable consumer names, <c>&lt;prefix&gt;-inbound</c> and
    /// <c>&lt;prefix&gt;-outcomes</c> (default: channel-router). Every leader uses the same names,
    /// so a new leader resumes where the last one acked.
    /// </summary>
    public string ConsumerPrefix { get; init; } = "channel-router";

    /// <summary>
    /// Where the consumers start when they are created for the first time (default:
    /// <see cref="DeliverFrom.New"/>, so installing the router does not replay a day of old
    /// messages; afterwards the durable position is kept across restarts).
    /// </summary>
    public DeliverFrom DeliverFrom { get; init; } = DeliverFrom.New;

    /// <summary>
    /// Deliveries of one event before it is given up (default: 20; with <see cref="RedeliveryDelays"/>
    /// about a quarter of an hour of Kubernetes API outage is ridden out).
    /// </summary>
    public int MaxDeliver { get; init; } = 20;

    /// <summary>Delay before the n-th redelivery after a failure; the last repeats (default: 1 s, 5 s, 15 s, 30 s, 60 s).</summary>
    public IReadOnlyList<TimeSpan> RedeliveryDelays { get; init; } =
        [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60)];

    /// <summary>How long the server waits for an ack before it redelivers (default: 30 s).</summary>
    public TimeSpan AckWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Name of the consumer of channel messages.</summary>
    public string InboundConsumer => ConsumerPrefix + "-inbound";

    /// <summary>
    /// Name of the consumer of run outcomes: <c>agent.run.completed</c> and <c>agent.run.failed</c>
    /// through one consumer on every run's <c>agent.run.*</c>, so they are handled one at a time in
    /// the order they were published (an answer followed by a late failure is answered with the
    /// answer, even when both waited while the router was down).
    /// </summary>
    public string OutcomesConsumer => ConsumerPrefix + "-outcomes";

    /// <summary>
    /// Name of the consumer of the agents' own <c>channel.message.send</c> (their
    /// <c>send_channel_message</c> tool), forwarded to the channel pod only after the run's
    /// rights are checked.
    /// </summary>
    public string AgentMessagesConsumer => ConsumerPrefix + "-agent-messages";

    internal SubscriptionOptions Subscription(string consumer, string subject) =>
        SubscriptionOptions.Durable(consumer, subject) with
        {
            DeliverFrom = DeliverFrom,
            MaxDeliver = MaxDeliver,
            RedeliveryDelays = RedeliveryDelays,
            AckWait = AckWait,

            // One event at a time per consumer; little to gain from pulling ahead.
            MaxInFlight = 4,
        };
}
