namespace Sympozium.EventBus;

/// <summary>Publishes envelopes on the bus; implemented by <see cref="NatsEventBus"/>.</summary>
public interface IEventPublisher
{
    /// <inheritdoc cref="NatsEventBus.PublishAsync(EventEnvelope, string?, CancellationToken)"/>
    Task<PublishResult> PublishAsync(EventEnvelope envelope, string? messageId = null, CancellationToken cancellationToken = default);
}
