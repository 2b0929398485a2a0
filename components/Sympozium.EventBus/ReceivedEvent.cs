namespace Sympozium.EventBus;

/// <summary>An event handed to a subscription's handler.</summary>
/// <param name="Envelope">The decoded envelope.</param>
/// <param name="Subject">The subject it arrived on.</param>
/// <param name="StreamSequence">Its sequence number in the stream.</param>
/// <param name="DeliveryCount">1 on the first delivery, more on a redelivery.</param>
/// <param name="MessageId">The publisher's <c>Nats-Msg-Id</c>, if it set one.</param>
public sealed record ReceivedEvent(EventEnvelope Envelope, string Subject, ulong StreamSequence, ulong DeliveryCount, string? MessageId);
