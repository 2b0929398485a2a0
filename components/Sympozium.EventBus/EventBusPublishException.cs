namespace Sympozium.EventBus;

/// <summary>
/// A publish was not acknowledged by JetStream. <see cref="IsTransient"/> tells whether trying
/// again later can succeed (connection lost, no acknowledgement in time) or never will
/// (message larger than the server's max payload, rejected by the stream).
/// </summary>
public sealed class EventBusPublishException : Exception
{
    public EventBusPublishException()
    {
    }

    public EventBusPublishException(string message)
        : base(message)
    {
    }

    public EventBusPublishException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public EventBusPublishException(string message, bool isTransient, Exception? innerException = null)
        : base(message, innerException)
    {
        IsTransient = isTransient;
    }

    /// <summary>Whether a retry can succeed.</summary>
    public bool IsTransient { get; }
}
