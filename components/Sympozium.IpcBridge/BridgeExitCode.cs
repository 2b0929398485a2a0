namespace Sympozium.IpcBridge;

/// <summary>The bridge's process exit codes.</summary>
internal static class BridgeExitCode
{
    /// <summary>The agent is done and everything was published (or SIGTERM after a complete drain).</summary>
    public const int Success = 0;

    /// <summary>NATS stayed unreachable past the limit, or files were left unpublished at shutdown.</summary>
    public const int BusUnavailable = 1;

    /// <summary>Bad configuration (AGENT_RUN_ID missing, a malformed setting).</summary>
    public const int BadConfiguration = 2;
}
