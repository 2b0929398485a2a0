namespace Sympozium.AgentRunner.Tools;

/// <summary>
/// Settings of the agent's tools. Program.cs binds them from the environment variables named on
/// each property; everything else keeps the upstream default. Tests shorten the waits.
/// </summary>
public sealed record ToolsOptions
{
    public static ToolsOptions Default { get; } = new();

    /// <summary>
    /// The AgentRun name (<c>AGENT_RUN_ID</c>); prefixes the tools' log lines so files seen in
    /// /ipc can be matched to the run in the pod log (default: none).
    /// </summary>
    public string? RunId { get; init; }

    /// <summary>
    /// The PersonaPack this agent belongs to (<c>PERSONA_PACK_NAME</c>); <c>delegate_to_persona</c>
    /// refuses to run without it (default: none).
    /// </summary>
    public string? PersonaPackName { get; init; }

    /// <summary>
    /// Base URL of the memory server (<c>MEMORY_SERVER_URL</c>, trailing <c>/</c> ignored). When set,
    /// <see cref="MemoryTools.Register"/> adds the memory tools, whether or not other tools are
    /// enabled (default: none).
    /// </summary>
    public string? MemoryServerUrl { get; init; }

    /// <summary>Longest <c>execute_command</c> timeout the model may ask for (default: 120 s, as upstream).</summary>
    public TimeSpan ExecTimeoutCap { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary><c>execute_command</c> timeout when the model gives none, or zero or less (default: 30 s).</summary>
    public TimeSpan DefaultExecTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long past the command's own timeout the runner waits for a sidecar's result file
    /// before giving up (default: 10 s, as upstream). The same grace is added to MCP tool timeouts.
    /// </summary>
    public TimeSpan ResultWaitGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a result file (exec or MCP) is looked for (default: 150 ms, as upstream).</summary>
    public TimeSpan ResultPollInterval { get; init; } = TimeSpan.FromMilliseconds(150);

    /// <summary>
    /// Longest tool output in UTF-8 bytes (command output, MCP results, <c>read_file</c> content);
    /// longer output is cut on a character boundary and marked (default: 8000, as upstream).
    /// </summary>
    public int OutputLimit { get; init; } = 8000;

    /// <summary>
    /// Lets <c>fetch_url</c> reach loopback, private, link-local and other non-public addresses
    /// (<c>SYMPOZIUM_FETCH_ALLOW_PRIVATE=true</c>, set by the controller when the bound
    /// SympoziumPolicy allows it). Off by default: the agent cannot reach cluster services, the
    /// node or cloud metadata through <c>fetch_url</c> (default: false).
    /// </summary>
    public bool FetchAllowPrivateNetworks { get; init; }

    /// <summary>Whole-request budget of <c>fetch_url</c>, redirects and body included (default: 30 s, as upstream).</summary>
    public TimeSpan FetchTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Most response-body bytes <c>fetch_url</c> reads; the rest is ignored (default: 2 MiB, as upstream).</summary>
    public int FetchMaxBodyBytes { get; init; } = 2 * 1024 * 1024;

    /// <summary>Most redirects <c>fetch_url</c> follows, each one checked like the first URL (default: 5, as upstream).</summary>
    public int FetchMaxRedirects { get; init; } = 5;

    /// <summary>How long <see cref="McpTools.LoadAsync"/> waits for a non-empty MCP manifest (default: 5 s, as upstream).</summary>
    public TimeSpan McpManifestWait { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the MCP manifest is looked for while waiting (default: 500 ms, as upstream).</summary>
    public TimeSpan McpManifestPollInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>MCP tool timeout when the manifest gives none (default: 30 s, as upstream).</summary>
    public TimeSpan McpDefaultTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Timeout of one memory-server request made by a memory tool or the auto-store (default: 5 s, as upstream).</summary>
    public TimeSpan MemoryRequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Timeout of the auto-context search made before the run (default: 3 s, as upstream).</summary>
    public TimeSpan MemoryContextTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Pauses before each retry of a memory tool call that failed to reach the server; one retry
    /// per entry (default: 500 ms, 1 s, 2 s: four attempts, as upstream).
    /// </summary>
    public IReadOnlyList<TimeSpan> MemoryRetryBackoff { get; init; } =
        [TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)];

    /// <summary>
    /// Trace fields for the <c>_meta</c> object of exec and MCP requests (<c>trace_id</c>,
    /// <c>span_id</c>, <c>traceparent</c>); null or empty leaves <c>_meta</c> out (default: none).
    /// </summary>
    public Func<IReadOnlyDictionary<string, string>?>? TraceMetadata { get; init; }

    /// <summary>Receives one line per notable tool event, e.g. "wrote exec request 123" (default: dropped).</summary>
    public Action<string>? Log { get; init; }

    internal void Write(string message) => Log?.Invoke(string.IsNullOrEmpty(RunId) ? message : $"[{RunId}] {message}");
}
