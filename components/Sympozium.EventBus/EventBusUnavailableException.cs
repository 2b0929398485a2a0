namespace Sympozium.EventBus;

/// <summary>NATS could not be reached (or the stream set up) within <see cref="EventBusOptions.ConnectTimeout"/>.</summary>
public sealed class EventBusUnavailableException : Exception
{
    public EventBusUnavailableException()
    {
    }

    public EventBusUnavailableException(string message)
        : base(message)
    {
    }

    public EventBusUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
