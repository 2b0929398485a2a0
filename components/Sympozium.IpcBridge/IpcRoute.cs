using Sympozium.Api.WellKnown;

namespace Sympozium.IpcBridge;

/// <summary>
/// Where a file under /ipc goes on the bus (docs/design/ipc-protocol.md#bridge-routes). The bridge
/// relays the file's bytes unchanged; what each file holds is a record of
/// <c>Sympozium.Api.Messages</c> (<see cref="Api.Messages.AgentResult"/>,
/// <see cref="Api.Messages.StreamChunk"/>, <see cref="Api.Messages.SpawnRequest"/>,
/// <see cref="Api.Messages.ExecRequest"/>, <see cref="Api.Messages.OutboundMessage"/>,
/// <see cref="Api.Messages.ScheduleRequest"/>).
/// </summary>
/// <param name="Topic">The unprefixed topic.</param>
/// <param name="SuppressedByGate">Not published in gate mode (GATE_SUPPRESS_COMPLETION).</param>
/// <param name="IsResult">The agent's final <c>output/result.json</c>.</param>
internal sealed record IpcRoute(string Topic, bool SuppressedByGate, bool IsResult)
{
    public static readonly string OutputDir = Path.GetFileName(IpcPaths.OutputDir);
    public static readonly string SpawnDir = Path.GetFileName(IpcPaths.SpawnDir);
    public static readonly string ToolsDir = Path.GetFileName(IpcPaths.ToolsDir);
    public static readonly string MessagesDir = Path.GetFileName(IpcPaths.MessagesDir);
    public static readonly string SchedulesDir = Path.GetFileName(IpcPaths.SchedulesDir);
    public static readonly string InputDir = Path.GetFileName(IpcPaths.InputDir);

    /// <summary>The directories whose files are published, relative to /ipc.</summary>
    public static readonly IReadOnlyList<string> PublishedDirectories = [OutputDir, SpawnDir, ToolsDir, MessagesDir, SchedulesDir];

    /// <summary><c>output/result.json</c>, relative to /ipc.</summary>
    public static readonly string ResultFile = Path.GetRelativePath(IpcPaths.Ipc, IpcPaths.ResultFile);

    private static readonly IpcRoute Completed = new(NatsSubjects.AgentRunCompleted, SuppressedByGate: true, IsResult: true);
    private static readonly IpcRoute Status = new(NatsSubjects.AgentStatusUpdate, SuppressedByGate: false, IsResult: false);
    private static readonly IpcRoute StreamChunk = new(NatsSubjects.AgentStreamChunk, SuppressedByGate: true, IsResult: false);
    private static readonly IpcRoute Spawn = new(NatsSubjects.AgentSpawnRequest, SuppressedByGate: false, IsResult: false);
    private static readonly IpcRoute ExecRequest = new(NatsSubjects.ToolExecRequest, SuppressedByGate: false, IsResult: false);
    private static readonly IpcRoute Message = new(NatsSubjects.ChannelMessageSend, SuppressedByGate: false, IsResult: false);
    private static readonly IpcRoute Schedule = new(NatsSubjects.ScheduleUpsert, SuppressedByGate: false, IsResult: false);

    private static readonly string ResultName = Path.GetFileName(IpcPaths.ResultFile);
    private static readonly string StatusName = Path.GetFileName(IpcPaths.StatusFile);

    /// <summary>
    /// The route of a file given by its path relative to /ipc (<c>output/result.json</c>), or null
    /// for files the bridge leaves alone: files still being written (<c>*.tmp</c>), hidden files
    /// (<c>.claim-*</c>, the bridge's own state), nested paths, input/, tool results, MCP files.
    /// </summary>
    public static IpcRoute? Classify(string relativePath)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        var slash = relativePath.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || relativePath.IndexOf('/', slash + 1) >= 0)
        {
            return null;
        }

        var directory = relativePath[..slash];
        var name = relativePath[(slash + 1)..];
        if (name.Length == 0 || name[0] == '.' || name.EndsWith(IpcPaths.TempSuffix, StringComparison.Ordinal))
        {
            return null;
        }

        if (directory == OutputDir)
        {
            return name == ResultName ? Completed
                : name == StatusName ? Status
                : name.StartsWith(IpcPaths.StreamChunkPrefix, StringComparison.Ordinal) ? StreamChunk
                : null;
        }

        if (directory == ToolsDir)
        {
            // Only requests; exec results, MCP requests/results and the MCP manifest stay local.
            return name.StartsWith(IpcPaths.ExecRequestPrefix, StringComparison.Ordinal) ? ExecRequest : null;
        }

        return directory == SpawnDir ? Spawn
            : directory == MessagesDir ? Message
            : directory == SchedulesDir ? Schedule
            : null;
    }
}
