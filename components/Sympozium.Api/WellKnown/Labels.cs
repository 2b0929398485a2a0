namespace Sympozium.Api.WellKnown;

/// <summary>Label keys and values; the same keys as upstream so existing selectors keep working.</summary>
public static class Labels
{
    public const string Prefix = ApiGroup.Group + "/";

    public const string Instance = Prefix + "instance";
    public const string AgentRun = Prefix + "agent-run";
    public const string Component = Prefix + "component";
    public const string ManagedBy = Prefix + "managed-by";
    public const string Skill = Prefix + "skill";
    public const string SkillPack = Prefix + "skillpack";
    public const string Source = Prefix + "source";
    public const string SourceChannel = Prefix + "source-channel";
    public const string Type = Prefix + "type";
    public const string Schedule = Prefix + "schedule";
    public const string PersonaPack = Prefix + "persona-pack";
    public const string Persona = Prefix + "persona";
    public const string Memory = Prefix + "memory";
    public const string Channel = Prefix + "channel";
    public const string Role = Prefix + "role";
    public const string Sandbox = Prefix + "sandbox";
    public const string AgentSandbox = Prefix + "agent-sandbox";
    public const string ParentRun = Prefix + "parent-run";
    public const string AgentId = Prefix + "agent-id";

    /// <summary>The SympoziumPolicy a generated NetworkPolicy comes from.</summary>
    public const string Policy = Prefix + "policy";

    /// <summary>
    /// On a SympoziumPolicy, value "true": the namespace's default policy, which governs every
    /// instance of the namespace that names none (docs/design/admission.md#which-policy-governs).
    /// </summary>
    public const string DefaultPolicy = Prefix + "default-policy";

    /// <summary>Namespace of the run that owns a cluster-scoped object (cluster RBAC), for label-selected cleanup.</summary>
    public const string RunNamespace = Prefix + "run-namespace";

    /// <summary>UID of the run that owns a cluster-scoped object, so a grant of a deleted run is never taken for one of a new run of the same name.</summary>
    public const string RunUid = Prefix + "run-uid";

    public const string PartOf = "app.kubernetes.io/part-of";
    public const string AppManagedBy = "app.kubernetes.io/managed-by";
    public const string AppName = "app.kubernetes.io/name";
    public const string AppInstance = "app.kubernetes.io/instance";

    /// <summary>Values of <see cref="Component"/>.</summary>
    public static class Components
    {
        public const string AgentRun = "agent-run";
        public const string AgentServer = "agent-server";
        public const string PostRun = "post-run";
        public const string Channel = "channel";
        public const string Memory = "memory";
        public const string MemoryDb = "memory-db";
        public const string McpConfig = "mcp-config";
        public const string SkillPack = "skillpack";
        public const string SkillPackMirror = "skillpack-mirror";
        public const string Lifecycle = "lifecycle";
        public const string Workspace = "workspace";
        public const string WebProxy = "web-proxy";
        public const string WebEndpoint = "web-endpoint";
        public const string WarmPool = "warm-pool";
    }

    /// <summary>Values of <see cref="Source"/> on AgentRuns and schedules.</summary>
    public static class Sources
    {
        public const string Channel = "channel";
        public const string WebProxy = "web-proxy";
        public const string Agent = "agent";
    }

    /// <summary>Common label values.</summary>
    public static class Values
    {
        public const string Sympozium = "sympozium";
        public const string SympoziumConfig = "sympoziumconfig";
        public const string SympoziumController = "sympozium-controller";
        public const string Agent = "agent";
        public const string True = "true";
    }
}
