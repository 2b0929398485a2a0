using Sympozium.EventBus;

namespace Sympozium.Channels;

/// <summary>
/// How long a reply the platform cannot take is retried (docs/design/channels.md#outbound-delivery).
/// A transient failure (5xx, 429, timeout, unreachable) sends the event back to the bus, which
/// delivers it again after the next wait of <see cref="RetrySchedule"/>; after the last wait the
/// next failure gives the reply up, logged with its chat and reason. The default schedule rides
/// out a platform outage of more than 30 minutes. Change with <c>with</c>.
/// </summary>
public sealed record OutboundDeliveryOptions
{
    /// <summary>Overrides <see cref="RetrySchedule"/>: comma-separated durations, e.g. <c>5s,30s,5m</c>.</summary>
    public const string RetryScheduleVariable = "OUTBOUND_RETRY_SCHEDULE";

    /// <summary>Overrides <see cref="AckWait"/>, e.g. <c>60s</c>.</summary>
    public const string AckWaitVariable = "OUTBOUND_ACK_WAIT";

    /// <summary>
    /// 5 s, 15 s, 30 s, 1 min, 2 min, 4 min, then 5 min five times: 32 min 50 s of waiting, plus
    /// the time of the attempts themselves.
    /// </summary>
    public static IReadOnlyList<TimeSpan> DefaultRetrySchedule { get; } =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1),
        TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5),
        TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5),
    ];

    public static OutboundDeliveryOptions Default { get; } = new();

    /// <summary>The wait before each redelivery after a transient failure, in order (default: <see cref="DefaultRetrySchedule"/>).</summary>
    public IReadOnlyList<TimeSpan> RetrySchedule { get; init; } = DefaultRetrySchedule;

    /// <summary>
    /// How long the bus waits for the pod's answer about a delivery before it delivers it again,
    /// e.g. after the pod crashed (default: 60 s). A delivery that takes longer (a platform rate
    /// limit waited out) tells the bus every third of this that it is still at work.
    /// </summary>
    public TimeSpan AckWait { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Deliveries in all: the first, then one after each wait of <see cref="RetrySchedule"/>.</summary>
    public int MaxDeliver => RetrySchedule.Count + 1;

    /// <summary>How long a transient failure is retried before the reply is given up: the sum of the waits.</summary>
    public TimeSpan RetriedFor => RetrySchedule.Aggregate(TimeSpan.Zero, (sum, wait) => sum + wait);

    /// <summary>How often a delivery still at work tells the bus so (a third of <see cref="AckWait"/>).</summary>
    public TimeSpan ProgressInterval => AckWait / 3;

    /// <summary>Reads the overrides; throws <see cref="ChannelConfigurationException"/> naming the variable.</summary>
    public static OutboundDeliveryOptions FromEnvironment(EnvironmentReader environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var options = Default with { AckWait = environment.Duration(AckWaitVariable, Default.AckWait) };
        if (environment.Optional(RetryScheduleVariable) is { } text)
        {
            var waits = new List<TimeSpan>();
            foreach (var item in text.Split(',', StringSplitOptions.TrimEntries))
            {
                var wait = TryParse(item);
                waits.Add(wait ?? throw new ChannelConfigurationException(
                    $"{RetryScheduleVariable}='{text}': '{item}' is not a positive duration; list waits such as 5s,30s,5m (or leave it unset for the default of {Default.RetriedFor.TotalMinutes:0} minutes)."));
            }

            options = options with { RetrySchedule = waits };
        }

        return options;
    }

    private static TimeSpan? TryParse(string item)
    {
        try
        {
            var wait = EventBusOptions.ParseTimeout(RetryScheduleVariable, item);
            return wait == Timeout.InfiniteTimeSpan ? null : wait;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
