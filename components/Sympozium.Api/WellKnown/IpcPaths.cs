namespace Sympozium.Api.WellKnown;

/// <summary>
/// The file IPC layout shared by the agent, the ipc-bridge and skill sidecars. All paths are
/// relative to the pod's root; components resolve them under <c>SYMPOZIUM_ROOT</c> (default
/// <c>/</c>) with <see cref="Resolve"/>.
/// </summary>
public static class IpcPaths
{
    /// <summary>Environment variable naming the root directory (default <c>/</c>).</summary>
    public const string RootVariable = EnvironmentVariables.Root;

    public const string Ipc = "/ipc";
    public const string Skills = "/skills";
    public const string Workspace = "/workspace";
    public const string Tmp = "/tmp";
    public const string Memory = "/memory";
    public const string Config = "/config";

    /// <summary>The run's input ConfigMap (<c>&lt;run&gt;-input</c>), mounted read-only in the agent container.</summary>
    public const string Input = "/input";

    /// <summary>The task text, plain UTF-8 (the value of <c>TASK_FILE</c>).</summary>
    public const string InputTask = Input + "/task";

    public const string InputDir = Ipc + "/input";
    public const string OutputDir = Ipc + "/output";
    public const string SpawnDir = Ipc + "/spawn";
    public const string ToolsDir = Ipc + "/tools";
    public const string MessagesDir = Ipc + "/messages";
    public const string SchedulesDir = Ipc + "/schedules";

    public const string TaskFile = InputDir + "/task.json";
    public const string ResultFile = OutputDir + "/result.json";
    public const string StatusFile = OutputDir + "/status.json";
    public const string DoneFile = Ipc + "/done";
    public const string McpToolsFile = ToolsDir + "/mcp-tools.json";
    public const string MemoryFile = Memory + "/MEMORY.md";
    public const string TraceContextFile = Workspace + "/.sympozium/trace-context.json";

    /// <summary>Directories the ipc-bridge creates at start.</summary>
    public static readonly IReadOnlyList<string> BridgeDirectories =
        [InputDir, OutputDir, SpawnDir, ToolsDir, MessagesDir, SchedulesDir];

    public const string StreamChunkPrefix = "stream-";
    public const string FollowupPrefix = "followup-";
    public const string SpawnRequestPrefix = "request-";
    public const string ExecRequestPrefix = "exec-request-";
    public const string ExecResultPrefix = "exec-result-";
    public const string McpRequestPrefix = "mcp-request-";
    public const string McpResultPrefix = "mcp-result-";
    public const string MessagePrefix = "send-";
    public const string SchedulePrefix = "schedule-";
    public const string ClaimPrefix = ".claim-";

    /// <summary>
    /// Suffix of a file still being written. Writers create <c>name.tmp</c> and rename it to
    /// <c>name</c>, so readers never see a partial file.
    /// </summary>
    public const string TempSuffix = ".tmp";

    /// <summary>Maps a pod path such as <c>/ipc/done</c> under <paramref name="root"/> (from SYMPOZIUM_ROOT).</summary>
    public static string Resolve(string podPath, string? root)
    {
        ArgumentNullException.ThrowIfNull(podPath);
        if (string.IsNullOrEmpty(root) || root == "/")
        {
            return podPath;
        }

        return Path.Join(root, podPath.TrimStart('/'));
    }

    /// <summary>Resolves against the process's SYMPOZIUM_ROOT.</summary>
    public static string Resolve(string podPath) => Resolve(podPath, Environment.GetEnvironmentVariable(RootVariable));
}
