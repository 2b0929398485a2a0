namespace Sympozium.Channels;

/// <summary>Exit codes of a channel executable.</summary>
public static class ChannelExitCode
{
    /// <summary>Stopped on request (SIGTERM).</summary>
    public const int Stopped = 0;

    /// <summary>The platform or the bus failed in a way the pod cannot recover from; Kubernetes restarts it.</summary>
    public const int Failed = 1;

    /// <summary>A required variable is missing or malformed (the log names it).</summary>
    public const int BadConfiguration = 2;
}
