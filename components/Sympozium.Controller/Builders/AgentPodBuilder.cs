using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;
using Sympozium.Kubernetes;
using Sympozium.Kubernetes.Pods;

namespace Sympozium.Controller.Builders;

/// <summary>
/// Builds the Job of a task-mode AgentRun (docs/design/agent-runs.md#job-and-pod-shape) with
/// upstream's defects fixed: RUN_TIMEOUT and TRACEPARENT reach the agent, one deadline is used, the
/// long-running helpers (ipc-bridge, sandbox, mcp-bridge, skill sidecars) are native sidecars so
/// the Job completes when the agent exits, and the pod runs under a per-run ServiceAccount that
/// holds only that run's skill RBAC (no API token at all when no skill needs one). The Job and pod
/// spec are here; the containers, their computed environment and the volumes are in the sibling
/// partial files.
/// </summary>
public static partial class AgentPodBuilder
{
    /// <summary>Seconds the Job outlives the run deadline, so the controller's own timeout fires first.</summary>
    public const int DeadlineGraceSeconds = 60;

    public const int TtlSecondsAfterFinished = 300;
    public const string WorkspaceVolume = "workspace";
    public const string IpcVolume = "ipc";
    public const string TmpVolume = "tmp";
    public const string SkillsVolume = "skills";
    public const string MemoryVolume = "memory";
    public const string McpConfigVolume = "mcp-config";
    public const string McpConfigFile = "mcp-servers.yaml";

    /// <summary>The Job of <paramref name="inputs"/>.Run.</summary>
    public static V1Job BuildJob(AgentPodInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var run = inputs.Run;
        var name = run.Metadata.Name ?? throw new ArgumentException("the run has no name", nameof(inputs));
        var labels = JobLabels(run);
        var pod = BuildPodSpec(inputs);
        return new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = run.Metadata.Namespace,
                Labels = labels,
                OwnerReferences = [OwnerReference(run)],
            },
            Spec = new V1JobSpec
            {
                BackoffLimit = 0,
                TtlSecondsAfterFinished = inputs.JobTtlSeconds,
                ActiveDeadlineSeconds = (long)Math.Ceiling(inputs.Timeout.TotalSeconds) + DeadlineGraceSeconds,
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string>(labels) },
                    Spec = pod,
                },
            },
        };
    }

    /// <summary>
    /// The run's own ServiceAccount (<c>sympozium-run-&lt;run&gt;</c>), used when a skill sidecar needs
    /// Kubernetes API access; its RBAC is revoked with it when the run ends.
    /// </summary>
    public static string RunServiceAccountName(AgentRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return "sympozium-run-" + run.Metadata.Name;
    }

    /// <summary>True when a resolved sidecar declares RBAC, so the pod needs an API token.</summary>
    public static bool NeedsApiAccess(AgentPodInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return TaskSidecars(inputs).Any(s => s.Sidecar.Rbac is { Count: > 0 } || s.Sidecar.ClusterRBAC is { Count: > 0 })
            || inputs.Run.Spec.Lifecycle?.Rbac is { Count: > 0 };
    }

    /// <summary>Labels of the Job and its pods (same keys as upstream so selectors keep working).</summary>
    public static Dictionary<string, string> JobLabels(AgentRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new Dictionary<string, string>
        {
            [Labels.AgentRun] = run.Metadata.Name ?? "",
            [Labels.Instance] = run.Spec.InstanceRef,
            [Labels.Component] = Labels.Components.AgentRun,
            [Labels.PartOf] = Labels.Values.Sympozium,
            [Labels.AppManagedBy] = Labels.Values.SympoziumController,
        };
    }

    /// <summary>A controller owner reference to the run.</summary>
    public static V1OwnerReference OwnerReference(AgentRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return ControllerReference.For(run);
    }

    private static IEnumerable<ResolvedSidecar> TaskSidecars(AgentPodInputs inputs) =>
        inputs.Sidecars.Where(s => s.Sidecar.RequiresServer != true && !string.IsNullOrEmpty(s.Sidecar.Image));

    private static V1PodSpec BuildPodSpec(AgentPodInputs inputs)
    {
        var run = inputs.Run;
        var sidecars = TaskSidecars(inputs).ToList();
        var hostNetwork = sidecars.Any(s => GrantedHostAccess(inputs, s) is { HostNetwork: true });
        var hostPid = sidecars.Any(s => GrantedHostAccess(inputs, s) is { HostPID: true });
        var needsApi = NeedsApiAccess(inputs);
        var memoryEnabled = inputs.Instance?.Spec.Memory?.Enabled == true;

        var init = new List<V1Container>();
        if (inputs.MemoryServerUrl is { } memoryUrl)
        {
            init.Add(WaitForMemory(inputs.Images, memoryUrl));
        }

        if (inputs.McpServers.Count > 0)
        {
            init.Add(McpBridge(inputs, discoverOnly: true));
        }

        // Native sidecars (restartPolicy Always): started in this order before the agent and
        // stopped by the kubelet once it exits, so the Job completes with the agent.
        init.Add(IpcBridge(inputs));
        if (run.Spec.Sandbox?.Enabled == true)
        {
            init.Add(Sandbox(inputs));
        }

        if (inputs.McpServers.Count > 0)
        {
            init.Add(McpBridge(inputs, discoverOnly: false));
        }

        init.AddRange(sidecars.Select(s => SkillSidecar(s, GrantedHostAccess(inputs, s))));
        foreach (var hook in run.Spec.Lifecycle?.PreRun ?? [])
        {
            init.Add(PreRunHook(inputs, hook));
        }

        return new V1PodSpec
        {
            RestartPolicy = "Never",
            ServiceAccountName = needsApi ? RunServiceAccountName(run) : Defaults.AgentServiceAccount,
            AutomountServiceAccountToken = needsApi,
            ImagePullSecrets = PullSecrets.From(run.Spec.ImagePullSecrets),
            NodeSelector = run.Spec.Model.NodeSelector is { Count: > 0 } selector ? new Dictionary<string, string>(selector) : null,
            HostNetwork = hostNetwork ? true : null,
            HostPID = hostPid ? true : null,
            DnsPolicy = hostNetwork ? "ClusterFirstWithHostNet" : "ClusterFirst",
            SecurityContext = PodSecurity.NonRoot(run.Spec.Sandbox?.SecurityContext?.SeccompProfile?.Type is { Length: > 0 } t ? t : PodSecurity.DefaultSeccompProfile),
            InitContainers = init,
            Containers = [WithTerminationMessageBudget(Agent(inputs, memoryEnabled), init.Count + 1)],
            Volumes = Volumes(inputs, sidecars, memoryEnabled),
        };
    }
}
