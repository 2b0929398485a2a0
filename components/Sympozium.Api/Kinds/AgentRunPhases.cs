namespace Sympozium.Api.Kinds;

/// <summary>
/// The values of an AgentRun's <c>status.phase</c> (the CRD's enum), written by the controller and
/// read by the webhook, the router, the CLI and the instance status. Same strings as upstream.
/// </summary>
public static class AgentRunPhases
{
    /// <summary>Created, not started yet: waiting for its instance, policy, a concurrency slot or the memory server (also an empty phase).</summary>
    public const string Pending = "Pending";

    /// <summary>The agent Job exists and the agent has not ended.</summary>
    public const string Running = "Running";

    /// <summary>A server-mode run whose Deployment serves requests until the run is deleted.</summary>
    public const string Serving = "Serving";

    /// <summary>The agent ended and its postRun hooks run before the outcome is final.</summary>
    public const string PostRunning = "PostRunning";

    /// <summary>Waiting for a delegated run (upstream's phase; this controller does not set it).</summary>
    public const string AwaitingDelegate = "AwaitingDelegate";

    /// <summary>Terminal: the agent finished successfully.</summary>
    public const string Succeeded = "Succeeded";

    /// <summary>Terminal: the run failed; status.error says why.</summary>
    public const string Failed = "Failed";

    /// <summary>True for <see cref="Succeeded"/> and <see cref="Failed"/>, the phases a run never leaves.</summary>
    public static bool IsTerminal(string? phase) => phase is Succeeded or Failed;
}
