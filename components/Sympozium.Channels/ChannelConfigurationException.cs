namespace Sympozium.Channels;

/// <summary>
/// The pod's environment is missing or has a bad setting. The message names the variable and
/// the fix; the channel exits with <see cref="ChannelExitCode.BadConfiguration"/>.
/// </summary>
public sealed class ChannelConfigurationException : Exception
{
    public ChannelConfigurationException()
    {
    }

    public ChannelConfigurationException(string message)
        : base(message)
    {
    }

    public ChannelConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
