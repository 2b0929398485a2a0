using Sympozium.Api.WellKnown;

namespace Sympozium.EventBus;

/// <summary>Where a new consumer starts in the stream.</summary>
public enum DeliverFrom
{
    /// <summary>Every stored event on the subject, including those published before the first subscription.</summary>
    All,

    /// <summary>Only events published after the consumer is created (ephemeral fan-out, like upstream).</summary>
    New,
}

/// <summary>
/// A JetStream pull consumer on one subject. Durable consumers (<see cref="Durable"/>) keep
/// their position on the server: a process that restarts resumes where it acked last.
/// Ephemeral ones (<see cref="Ephemeral"/>) are for fan-out subscribers that only want what
/// happens while they listen. Change with <c>with</c>.
/// </summary>
public sealed record SubscriptionOptions
{
    /// <summary>The filter subject, e.g. <c>sympozium.agent.run.completed</c> (wildcards allowed).</summary>
    public required string Subject { get; init; }

    /// <summary>The durable consumer name (letters, digits, '-' and '_'); null for an ephemeral consumer.</summary>
    public string? DurableName { get; init; }

    /// <summary>Where a newly created consumer starts (default: <see cref="DeliverFrom.All"/>).</summary>
    public DeliverFrom DeliverFrom { get; init; } = DeliverFrom.All;

    /// <summary>
    /// Deliveries of one message before it is given up as poison: acked as terminated and logged,
    /// never redelivered again (default: 5). The server enforces the same cap.
    /// </summary>
    public int MaxDeliver { get; init; } = 5;

    /// <summary>How long the server waits for an ack before it redelivers (default: 30 s).</summary>
    public TimeSpan AckWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Delay before redelivery after the n-th failed attempt of the handler (NAK with delay);
    /// the last entry repeats (default: 1 s, 5 s, 15 s, 30 s).
    /// </summary>
    public IReadOnlyList<TimeSpan> RedeliveryDelays { get; init; } =
        [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30)];

    /// <summary>
    /// While the handler runs, tell the server this often that it is still working on the event
    /// (an in-progress ack), so a handler that outlasts <see cref="AckWait"/> (a platform call that
    /// waits out a rate limit) is not redelivered meanwhile; must be shorter than
    /// <see cref="AckWait"/> (default: null, none).
    /// </summary>
    public TimeSpan? ProgressInterval { get; init; }

    /// <summary>Messages pulled ahead of the handler, which still runs one at a time (default: 16).</summary>
    public int MaxInFlight { get; init; } = 16;

    /// <summary>
    /// The server deletes the consumer after this long without a subscriber; null keeps a durable
    /// forever (default: null; 30 s for <see cref="Ephemeral"/>).
    /// </summary>
    public TimeSpan? InactiveThreshold { get; init; }

    /// <summary>
    /// On dispose, how long the handler may go on with events already delivered before it is
    /// cancelled (default: 10 s).
    /// </summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Wait for the server to confirm each ack (double ack), so a handled message is not
    /// redelivered after a restart (default: true).
    /// </summary>
    public bool ConfirmAcks { get; init; } = true;

    /// <summary>A durable consumer that starts at the first stored event on <paramref name="subject"/>.</summary>
    public static SubscriptionOptions Durable(string name, string subject) =>
        new() { Subject = subject, DurableName = ConsumerName(name), DeliverFrom = DeliverFrom.All };

    /// <summary>An ephemeral consumer that sees only events published from now on (upstream's only kind).</summary>
    public static SubscriptionOptions Ephemeral(string subject) =>
        new() { Subject = subject, DeliverFrom = DeliverFrom.New, InactiveThreshold = TimeSpan.FromSeconds(30) };

    /// <summary>Makes a valid consumer name from any text (<see cref="NatsConsumers.Sanitize"/>).</summary>
    public static string ConsumerName(string text) => NatsConsumers.Sanitize(text);

    internal TimeSpan RedeliveryDelay(ulong deliveries)
    {
        if (RedeliveryDelays.Count == 0)
        {
            return TimeSpan.Zero;
        }

        var index = (int)Math.Min(deliveries == 0 ? 0 : deliveries - 1, (ulong)RedeliveryDelays.Count - 1);
        return RedeliveryDelays[index];
    }

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrEmpty(Subject);
        if (DurableName is not null && DurableName != ConsumerName(DurableName))
        {
            throw new ArgumentException($"Consumer name '{DurableName}' may only hold letters, digits, '-' and '_'; use SubscriptionOptions.ConsumerName to make one.");
        }

        if (MaxDeliver < 1)
        {
            throw new ArgumentException($"MaxDeliver must be at least 1, not {MaxDeliver}.");
        }

        if (ProgressInterval is { } progress && (progress <= TimeSpan.Zero || progress >= AckWait))
        {
            throw new ArgumentException($"ProgressInterval {progress} must be positive and shorter than AckWait {AckWait}, or the server redelivers before it hears from the handler.");
        }
    }
}
