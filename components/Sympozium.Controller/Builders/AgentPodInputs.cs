using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;

namespace Sympozium.Controller.Builders;

/// <summary>A SkillPack sidecar resolved for a run, with the parameters of the SkillRef that named it.</summary>
public sealed record ResolvedSidecar(string PackName, SkillSidecar Sidecar, IReadOnlyDictionary<string, string> Params);

/// <summary>An MCP server the run's mcp-bridge connects to.</summary>
public sealed record McpServerBinding(string Name, string? AuthSecret, string? AuthKey);

/// <summary>Where images come from and what the pods connect to (one place, see
/// docs/design/agent-runs.md#images-and-endpoints).</summary>
public sealed record ControllerImages
{
    /// <summary>Registry of every Sympozium image (env SYMPOZIUM_IMAGE_REGISTRY; default ghcr.io/sympozium-ai/sympozium).</summary>
    public string Registry { get; init; } = Defaults.ImageRegistry;

    /// <summary>Tag of every Sympozium image (env SYMPOZIUM_IMAGE_TAG; default latest).</summary>
    public string Tag { get; init; } = "latest";

    /// <summary>Event bus URL injected into the ipc-bridge.</summary>
    public string EventBusUrl { get; init; } = Defaults.EventBusUrl;

    /// <summary>Image for small shell helpers (wait-for-memory, the postRun done container).</summary>
    public string BusyboxImage { get; init; } = "busybox:1.36";

    public string Image(string component) => $"{Registry.TrimEnd('/')}/{component}:{Tag}";

    public static ControllerImages Default { get; } = new();
}

/// <summary>
/// Everything the agent Job of a run depends on, resolved by the reconciler beforehand so the
/// builder is a pure function of its inputs.
/// </summary>
public sealed record AgentPodInputs
{
    public required AgentRun Run { get; init; }

    /// <summary>The run's instance (memory, observability); null when it is gone.</summary>
    public SympoziumInstance? Instance { get; init; }

    /// <summary>Skills to mount (the run's, or the instance's when the run has none).</summary>
    public IReadOnlyList<SkillRef> Skills { get; init; } = [];

    /// <summary>Sidecars of the resolved SkillPacks, in SkillRef order.</summary>
    public IReadOnlyList<ResolvedSidecar> Sidecars { get; init; } = [];

    /// <summary>MCP servers with a URL; non-empty adds mcp-discover, mcp-bridge and the mcp-config volume.</summary>
    public IReadOnlyList<McpServerBinding> McpServers { get; init; } = [];

    /// <summary>URL of a ready memory server (skill memory), or null.</summary>
    public string? MemoryServerUrl { get; init; }

    /// <summary>The effective run timeout, already persisted on the run (one value for deadline and kill).</summary>
    public TimeSpan Timeout { get; init; } = Defaults.RunTimeout;

    /// <summary>W3C traceparent of the controller span that creates the Job.</summary>
    public string? TraceParent { get; init; }

    /// <summary>The bound policy lets fetch_url reach private networks.</summary>
    public bool FetchAllowPrivate { get; init; }

    /// <summary>
    /// The run's NATS credentials Secret exists (<see cref="BusCredentialsBuilder.RunSecret"/>):
    /// the ipc-bridge mounts it and connects with it. False where NATS runs without authentication.
    /// </summary>
    public bool BusCredentials { get; init; }

    public ControllerImages Images { get; init; } = ControllerImages.Default;

    /// <summary>How long a finished Job and its pod are kept (ttlSecondsAfterFinished; logs stay readable that long).</summary>
    public int JobTtlSeconds { get; init; } = AgentPodBuilder.TtlSecondsAfterFinished;
}
