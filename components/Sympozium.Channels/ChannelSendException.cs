namespace Sympozium.Channels;

/// <summary>
/// A message could not be delivered to the platform. <see cref="IsPermanent"/> failures (unknown
/// chat, bad token, rejected text) are logged and the event acked; others are redelivered by
/// the bus.
/// </summary>
public sealed class ChannelSendException : Exception
{
    public ChannelSendException()
    {
    }

    public ChannelSendException(string message)
        : base(message)
    {
    }

    public ChannelSendException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ChannelSendException(string message, bool isPermanent, Exception? innerException = null)
        : base(message, innerException)
    {
        IsPermanent = isPermanent;
    }

    /// <summary>Retrying cannot help.</summary>
    public bool IsPermanent { get; }
}
