namespace Sympozium.EventBus;

public sealed partial class NatsEventBus
{
    /// <summary>
    /// Starts a consumer on <see cref="SubscriptionOptions.Subject"/> that hands each event to
    /// <paramref name="handler"/>, one at a time, and acks it only after the handler returns.
    /// </summary>
    /// <remarks>
    /// A handler that throws gets the event again after <see cref="SubscriptionOptions.RedeliveryDelays"/>
    /// (NAK with delay); after <see cref="SubscriptionOptions.MaxDeliver"/> deliveries the event is
    /// terminated and logged as poison, so one bad event never loops forever. A body that is not an
    /// envelope is poison at once. Delivery is at least once: handlers must be idempotent. The
    /// consumer is recreated after errors and resumes after reconnects; dispose the returned
    /// subscription (or the bus) to stop it.
    /// </remarks>
    public EventSubscription Subscribe(SubscriptionOptions options, Func<ReceivedEvent, CancellationToken, ValueTask> handler)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handler);
        options.Validate();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        var subscription = new EventSubscription(this, _jetStream, options, handler, _loggerFactory);
        lock (_subscriptionsLock)
        {
            _subscriptions.Add(subscription);
        }

        subscription.Start();
        return subscription;
    }

    /// <summary>Like <see cref="Subscribe"/>, and waits until the consumer exists on the server.</summary>
    public async Task<EventSubscription> SubscribeAsync(
        SubscriptionOptions options,
        Func<ReceivedEvent, CancellationToken, ValueTask> handler,
        CancellationToken cancellationToken = default)
    {
        var subscription = Subscribe(options, handler);
        try
        {
            await subscription.Ready.WaitAsync(cancellationToken).ConfigureAwait(false);
            return subscription;
        }
        catch
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    internal Task EnsureStreamOnceAsync(CancellationToken cancellationToken) => EnsureStreamAsync(attempts: 1, cancellationToken);
}
