namespace Sympozium.EventBus;

/// <summary>
/// JetStream's acknowledgement of a publish. <see cref="Duplicate"/> is true when a message with
/// the same id was already stored within the duplicate window: the bus holds one copy, at
/// <see cref="Sequence"/>.
/// </summary>
public readonly record struct PublishResult(string Stream, ulong Sequence, bool Duplicate);
