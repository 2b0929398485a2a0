using System.Globalization;
using System.Text.RegularExpressions;
using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Api.Validation;
using Sympozium.Api.WellKnown;
using Sympozium.Kubernetes;
using Sympozium.Kubernetes.Pods;

namespace Sympozium.Controller.Builders;

/// <summary>
/// Builds the Job of a task-mode AgentRun (control-plane.md §3) with upstream's defects fixed:
/// RUN_TIMEOUT and TRACEPARENT reach the agent, one deadline is used, the long-running helpers
/// (ipc-bridge, sandbox, mcp-bridge, skill sidecars) are native sidecars so the Job completes when
/// the agent exits, and the pod runs under a per-run ServiceAccount that holds only that run's
/// skill RBAC (no API token at all when no skill needs one).
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
        var hostNetwork = sidecars.Any(s => s.Sidecar.HostAccess is { Enabled: true, HostNetwork: true });
        var hostPid = sidecars.Any(s => s.Sidecar.HostAccess is { Enabled: true, HostPID: true });
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

        init.AddRange(sidecars.Select(s => SkillSidecar(s)));
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
            Containers = [Agent(inputs, memoryEnabled)],
            Volumes = Volumes(inputs, sidecars, memoryEnabled),
        };
    }

    private static V1Container Agent(AgentPodInputs inputs, bool memoryEnabled)
    {
        var run = inputs.Run;
        var env = new List<V1EnvVar>
        {
            EnvVars.Value(EnvironmentVariables.AgentRunId, run.Metadata.Name),
            EnvVars.Value(EnvironmentVariables.AgentId, run.Spec.AgentId),
            EnvVars.Value(EnvironmentVariables.SessionKey, run.Spec.SessionKey),
            EnvVars.Value(EnvironmentVariables.InstanceName, run.Spec.InstanceRef),
            EnvVars.Value(EnvironmentVariables.PersonaPackName, run.Metadata.Labels?.GetValueOrDefault(Labels.PersonaPack) ?? ""),
            EnvVars.Value(EnvironmentVariables.AgentNamespace, run.Metadata.Namespace),
            EnvVars.Value(EnvironmentVariables.Task, run.Spec.Task),
            EnvVars.Value(EnvironmentVariables.SystemPrompt, run.Spec.SystemPrompt ?? ""),
            EnvVars.Value(EnvironmentVariables.ModelProvider, run.Spec.Model.Provider),
            EnvVars.Value(EnvironmentVariables.ModelName, run.Spec.Model.Model),
            EnvVars.Value(EnvironmentVariables.ModelBaseUrl, run.Spec.Model.BaseURL ?? ""),
            EnvVars.Value(EnvironmentVariables.ThinkingMode, run.Spec.Model.Thinking ?? ""),
            EnvVars.Value(EnvironmentVariables.RunTimeout, GoDuration.Format(inputs.Timeout)),
        };
        if (memoryEnabled)
        {
            env.Add(EnvVars.Value(EnvironmentVariables.MemoryEnabled, "true"));
        }

        if (inputs.MemoryServerUrl is { } memoryUrl)
        {
            env.Add(EnvVars.Value(EnvironmentVariables.MemoryServerUrl, memoryUrl));
        }

        env.AddRange(SortedSpecEnv(run));
        env.Add(EnvVars.Value(EnvironmentVariables.ToolsEnabled, "true"));
        if (inputs.FetchAllowPrivate)
        {
            env.Add(EnvVars.Value(EnvironmentVariables.FetchAllowPrivate, "true"));
        }

        if (run.Metadata.Annotations?.GetValueOrDefault(Annotations.ReplyChannel) is { Length: > 0 } channel)
        {
            env.Add(EnvVars.Value(EnvironmentVariables.SourceChannel, channel));
        }

        if (run.Metadata.Annotations?.GetValueOrDefault(Annotations.ReplyChatId) is { Length: > 0 } chat)
        {
            env.Add(EnvVars.Value(EnvironmentVariables.SourceChatId, chat));
        }

        if (inputs.TraceParent is { Length: > 0 } traceParent)
        {
            env.Add(EnvVars.Value(EnvironmentVariables.TraceParent, traceParent));
        }

        env.AddRange(Observability(inputs));
        var mounts = new List<V1VolumeMount>
        {
            VolumeMounts.Of(WorkspaceVolume, IpcPaths.Workspace),
            VolumeMounts.Of(SkillsVolume, IpcPaths.Skills, readOnly: true),
            VolumeMounts.Of(IpcVolume, IpcPaths.Ipc),
            VolumeMounts.Of(TmpVolume, IpcPaths.Tmp),
        };
        if (memoryEnabled)
        {
            mounts.Add(VolumeMounts.Of(MemoryVolume, IpcPaths.Memory, readOnly: true));
        }

        return new V1Container
        {
            Name = "agent",
            Image = inputs.Images.Image("agent-runner"),
            ImagePullPolicy = "IfNotPresent",
            Env = env,
            EnvFrom = string.IsNullOrEmpty(run.Spec.Model.AuthSecretRef)
                ? null
                : [new V1EnvFromSource { SecretRef = new V1SecretEnvSource { Name = run.Spec.Model.AuthSecretRef } }],
            VolumeMounts = mounts,
            Resources = ContainerResources.Bounded("250m", "512Mi", "1", "1Gi"),
            SecurityContext = ContainerSecurity.Restricted(),
        };
    }

    private static V1Container IpcBridge(AgentPodInputs inputs)
    {
        var run = inputs.Run;
        var env = new List<V1EnvVar>
        {
            EnvVars.Value(EnvironmentVariables.AgentRunId, run.Metadata.Name),
            EnvVars.Value(EnvironmentVariables.InstanceName, run.Spec.InstanceRef),
            EnvVars.Value(EnvironmentVariables.AgentNamespace, run.Metadata.Namespace),
            EnvVars.Value(EnvironmentVariables.EventBusUrl, inputs.Images.EventBusUrl),
        };
        if (run.Spec.Lifecycle?.PostRun?.Any(h => h.Gate == true) == true)
        {
            env.Add(EnvVars.Value(EnvironmentVariables.GateSuppressCompletion, "true"));
        }

        if (inputs.TraceParent is { Length: > 0 } traceParent)
        {
            env.Add(EnvVars.Value(EnvironmentVariables.TraceParent, traceParent));
        }

        env.AddRange(Observability(inputs));
        return new V1Container
        {
            Name = "ipc-bridge",
            Image = inputs.Images.Image("ipc-bridge"),
            ImagePullPolicy = "IfNotPresent",
            RestartPolicy = "Always",
            Env = env,
            VolumeMounts = [VolumeMounts.Of(IpcVolume, IpcPaths.Ipc)],
            Resources = ContainerResources.Bounded("50m", "64Mi", "100m", "128Mi"),
            SecurityContext = ContainerSecurity.Restricted(),
        };
    }

    private static V1Container Sandbox(AgentPodInputs inputs) => new()
    {
        Name = "sandbox",
        Image = inputs.Run.Spec.Sandbox?.Image is { Length: > 0 } image ? image : inputs.Images.Image("sandbox"),
        ImagePullPolicy = "IfNotPresent",
        RestartPolicy = "Always",
        Command = ["sleep", "infinity"],
        VolumeMounts = [VolumeMounts.Of(WorkspaceVolume, IpcPaths.Workspace), VolumeMounts.Of(TmpVolume, IpcPaths.Tmp)],
        Resources = SandboxResources(inputs.Run.Spec.Sandbox?.Resources),
        SecurityContext = ContainerSecurity.Restricted(),
    };

    private static V1Container McpBridge(AgentPodInputs inputs, bool discoverOnly)
    {
        var run = inputs.Run;
        var env = new List<V1EnvVar>
        {
            EnvVars.Value(EnvironmentVariables.AgentRunId, run.Metadata.Name),
            EnvVars.Value(EnvironmentVariables.McpConfigPath, IpcPaths.Config + "/" + McpConfigFile),
            EnvVars.Value(EnvironmentVariables.McpIpcPath, IpcPaths.ToolsDir),
            EnvVars.Value(EnvironmentVariables.McpManifestPath, IpcPaths.McpToolsFile),
        };
        if (inputs.TraceParent is { Length: > 0 } traceParent)
        {
            env.Add(EnvVars.Value(EnvironmentVariables.TraceParent, traceParent));
        }

        env.AddRange(Observability(inputs));
        foreach (var server in inputs.McpServers.Where(s => !string.IsNullOrEmpty(s.AuthSecret)))
        {
            env.Add(EnvVars.FromSecret(McpAuthVariable(server.Name), server.AuthSecret!, string.IsNullOrEmpty(server.AuthKey) ? "token" : server.AuthKey, optional: true));
        }

        if (discoverOnly)
        {
            env.Add(EnvVars.Value(EnvironmentVariables.McpDiscoverOnly, "true"));
        }

        return new V1Container
        {
            Name = discoverOnly ? "mcp-discover" : "mcp-bridge",
            Image = inputs.Images.Image("mcp-bridge"),
            ImagePullPolicy = "IfNotPresent",
            RestartPolicy = discoverOnly ? null : "Always",
            Env = env,
            VolumeMounts = [VolumeMounts.Of(IpcVolume, IpcPaths.Ipc), VolumeMounts.Of(McpConfigVolume, IpcPaths.Config, readOnly: true)],
            Resources = ContainerResources.Bounded("100m", "128Mi", "200m", "256Mi"),
            SecurityContext = ContainerSecurity.Restricted(),
        };
    }

    /// <summary><c>MCP_AUTH_&lt;NAME&gt;</c>: the server name upper-cased, '-' and '.' as '_'.</summary>
    public static string McpAuthVariable(string serverName)
    {
        ArgumentNullException.ThrowIfNull(serverName);
        return EnvironmentVariables.McpAuthPrefix + NonIdentifier().Replace(serverName.ToUpperInvariant(), "_");
    }

    private static V1Container WaitForMemory(ControllerImages images, string memoryUrl) => new()
    {
        Name = "wait-for-memory",
        Image = images.BusyboxImage,
        ImagePullPolicy = "IfNotPresent",
        Command = ["sh", "-c",
            $"i=0; until wget -q --spider {memoryUrl}/health; do i=$((i+2)); if [ $i -ge 120 ]; then echo 'memory server {memoryUrl} not ready after 120s'; exit 1; fi; sleep 2; done"],
        Resources = ContainerResources.Bounded("50m", "32Mi", "100m", "64Mi"),
        SecurityContext = ContainerSecurity.Restricted(),
    };

    private static V1Container SkillSidecar(ResolvedSidecar resolved)
    {
        var sidecar = resolved.Sidecar;
        var env = (sidecar.Env ?? []).Select(e => EnvVars.Value(e.Name, e.Value)).ToList();
        // Sorted so the pod spec is stable across reconciles (upstream used map order).
        env.AddRange(resolved.Params.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => EnvVars.Value(EnvironmentVariables.SkillParamPrefix + p.Key.ToUpperInvariant(), p.Value)));
        var mounts = new List<V1VolumeMount> { VolumeMounts.Of(IpcVolume, IpcPaths.Ipc), VolumeMounts.Of(TmpVolume, IpcPaths.Tmp) };
        if (sidecar.MountWorkspace != false)
        {
            mounts.Add(VolumeMounts.Of(WorkspaceVolume, IpcPaths.Workspace));
        }

        var hostMounts = sidecar.HostAccess is { Enabled: true } access ? access.Mounts ?? [] : [];
        for (var i = 0; i < hostMounts.Count; i++)
        {
            mounts.Add(VolumeMounts.Of(HostVolumeName(resolved.PackName, i), hostMounts[i].MountPath, readOnly: hostMounts[i].ReadOnly != false));
        }

        if (!string.IsNullOrEmpty(sidecar.SecretRef))
        {
            mounts.Add(VolumeMounts.Of(SecretVolumeName(resolved.PackName), sidecar.SecretMountPath is { Length: > 0 } path ? path : "/secrets/" + sidecar.SecretRef, readOnly: true));
        }

        var cpu = sidecar.Resources?.Cpu is { Length: > 0 } c ? c : "100m";
        var memory = sidecar.Resources?.Memory is { Length: > 0 } m ? m : "128Mi";
        return new V1Container
        {
            Name = "skill-" + resolved.PackName,
            Image = sidecar.Image,
            ImagePullPolicy = "IfNotPresent",
            RestartPolicy = "Always",
            Command = sidecar.Command is { Count: > 0 } command ? [.. command] : null,
            Env = env.Count > 0 ? env : null,
            VolumeMounts = mounts,
            Resources = ContainerResources.Bounded(cpu, memory, cpu, memory),
            SecurityContext = HostAccessContext(sidecar.HostAccess),
        };
    }

    private static V1Container PreRunHook(AgentPodInputs inputs, LifecycleHook hook)
    {
        var run = inputs.Run;
        var env = new List<V1EnvVar>
        {
            EnvVars.Value(EnvironmentVariables.AgentRunId, run.Metadata.Name),
            EnvVars.Value(EnvironmentVariables.InstanceName, run.Spec.InstanceRef),
            EnvVars.Value(EnvironmentVariables.AgentNamespace, run.Metadata.Namespace),
        };
        env.AddRange((hook.Env ?? []).Select(e => EnvVars.Value(e.Name, e.Value)));
        env.AddRange(SortedSpecEnv(run));
        return new V1Container
        {
            Name = "pre-" + hook.Name,
            Image = hook.Image,
            ImagePullPolicy = "IfNotPresent",
            Command = hook.Command is { Count: > 0 } command ? [.. command] : null,
            Args = hook.Args is { Count: > 0 } args ? [.. args] : null,
            Env = env,
            VolumeMounts = [VolumeMounts.Of(WorkspaceVolume, IpcPaths.Workspace), VolumeMounts.Of(IpcVolume, IpcPaths.Ipc), VolumeMounts.Of(TmpVolume, IpcPaths.Tmp)],
            Resources = ContainerResources.Bounded("100m", "128Mi", "500m", "512Mi"),
            SecurityContext = ContainerSecurity.Restricted(),
        };
    }

    private static List<V1Volume> Volumes(AgentPodInputs inputs, List<ResolvedSidecar> sidecars, bool memoryEnabled)
    {
        var run = inputs.Run;
        var name = run.Metadata.Name!;
        var volumes = new List<V1Volume>
        {
            run.Spec.Lifecycle?.PostRun is { Count: > 0 }
                ? new V1Volume { Name = WorkspaceVolume, PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = name + "-workspace" } }
                : new V1Volume { Name = WorkspaceVolume, EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("1Gi") } },
            new() { Name = IpcVolume, EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory", SizeLimit = new ResourceQuantity("64Mi") } },
            new() { Name = TmpVolume, EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("256Mi") } },
            SkillsVolumeFor(inputs.Skills),
        };
        if (memoryEnabled)
        {
            volumes.Add(new V1Volume { Name = MemoryVolume, ConfigMap = new V1ConfigMapVolumeSource { Name = run.Spec.InstanceRef + "-memory", Optional = true } });
        }

        if (inputs.McpServers.Count > 0)
        {
            volumes.Add(new V1Volume { Name = McpConfigVolume, ConfigMap = new V1ConfigMapVolumeSource { Name = name + "-mcp-servers", Optional = true } });
        }

        foreach (var sidecar in sidecars)
        {
            if (!string.IsNullOrEmpty(sidecar.Sidecar.SecretRef))
            {
                volumes.Add(new V1Volume { Name = SecretVolumeName(sidecar.PackName), Secret = new V1SecretVolumeSource { SecretName = sidecar.Sidecar.SecretRef, Optional = true } });
            }

            var mounts = sidecar.Sidecar.HostAccess is { Enabled: true } access ? access.Mounts ?? [] : [];
            for (var i = 0; i < mounts.Count; i++)
            {
                volumes.Add(new V1Volume { Name = HostVolumeName(sidecar.PackName, i), HostPath = new V1HostPathVolumeSource { Path = mounts[i].HostPath } });
            }
        }

        return volumes;
    }

    private static V1Volume SkillsVolumeFor(IReadOnlyList<SkillRef> skills)
    {
        var sources = new List<V1VolumeProjection>();
        foreach (var skill in skills)
        {
            foreach (var configMap in new[] { skill.SkillPackRef, skill.ConfigMapRef })
            {
                if (!string.IsNullOrEmpty(configMap))
                {
                    sources.Add(new V1VolumeProjection { ConfigMap = new V1ConfigMapProjection { Name = configMap, Optional = true } });
                }
            }
        }

        return sources.Count == 0
            ? new V1Volume { Name = SkillsVolume, EmptyDir = new V1EmptyDirVolumeSource() }
            : new V1Volume { Name = SkillsVolume, Projected = new V1ProjectedVolumeSource { Sources = sources } };
    }

    private static IEnumerable<V1EnvVar> SortedSpecEnv(AgentRun run) =>
        (run.Spec.Env ?? []).OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => EnvVars.Value(e.Key, e.Value));

    private static IEnumerable<V1EnvVar> Observability(AgentPodInputs inputs)
    {
        var observability = inputs.Instance?.Spec.Observability;
        if (observability?.Enabled != true)
        {
            yield break;
        }

        yield return EnvVars.Value(EnvironmentVariables.SympoziumOtelEnabled, "true");

        // Each setting under our name and under the OpenTelemetry SDK's standard one.
        foreach (var (ours, standard, value) in new[]
        {
            (EnvironmentVariables.SympoziumOtelOtlpEndpoint, EnvironmentVariables.OtelExporterOtlpEndpoint, observability.OtlpEndpoint),
            (EnvironmentVariables.SympoziumOtelOtlpProtocol, EnvironmentVariables.OtelExporterOtlpProtocol, observability.OtlpProtocol),
            (EnvironmentVariables.SympoziumOtelServiceName, EnvironmentVariables.OtelServiceName, observability.ServiceName),
        })
        {
            if (!string.IsNullOrEmpty(value))
            {
                yield return EnvVars.Value(ours, value);
                yield return EnvVars.Value(standard, value);
            }
        }

        var attributes = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["k8s.namespace.name"] = inputs.Run.Metadata.Namespace ?? "",
            ["sympozium.agent_run.id"] = inputs.Run.Metadata.Name ?? "",
            ["sympozium.instance.name"] = inputs.Run.Spec.InstanceRef,
        };
        foreach (var (key, value) in observability.ResourceAttributes ?? [])
        {
            attributes[key] = value;
        }

        var joined = string.Join(",", attributes.Where(a => a.Key.Length > 0 && a.Value.Length > 0).Select(a => $"{a.Key}={a.Value}"));
        yield return EnvVars.Value(EnvironmentVariables.SympoziumOtelResourceAttributes, joined);
        yield return EnvVars.Value(EnvironmentVariables.OtelResourceAttributes, joined);
    }

    private static V1SecurityContext? HostAccessContext(HostAccess? access)
    {
        if (access is not { Enabled: true })
        {
            return null;
        }

        var context = new V1SecurityContext();
        if (access.Privileged == true)
        {
            context.Privileged = true;
            context.AllowPrivilegeEscalation = true;
            context.SeccompProfile = new V1SeccompProfile { Type = "Unconfined" };
        }

        if (access.RunAsRoot == true)
        {
            context.RunAsUser = 0;
            context.RunAsNonRoot = false;
        }

        return context.Privileged is null && context.RunAsUser is null ? null : context;
    }

    private static V1ResourceRequirements SandboxResources(SandboxResources? requested)
    {
        // The run may ask for its own sandbox resources (upstream ignored them).
        var defaults = ContainerResources.Bounded("100m", "256Mi", "500m", "512Mi");
        foreach (var (key, value) in requested?.Requests ?? [])
        {
            defaults.Requests[key] = new ResourceQuantity(value);
        }

        foreach (var (key, value) in requested?.Limits ?? [])
        {
            defaults.Limits[key] = new ResourceQuantity(value);
        }

        return defaults;
    }

    /// <summary><c>host-&lt;pack&gt;-&lt;i&gt;</c>, reduced to a valid volume name.</summary>
    public static string HostVolumeName(string pack, int index)
    {
        var name = NonDnsLabel().Replace($"host-{pack}-{index.ToString(CultureInfo.InvariantCulture)}".ToLowerInvariant(), "-").Trim('-');
        if (name.Length > 63)
        {
            name = name[..63].TrimEnd('-');
        }

        return name.Length == 0 ? "host-mount" : name;
    }

    private static string SecretVolumeName(string pack) => ("skill-secret-" + pack) is var n && n.Length > 63 ? n[..63].TrimEnd('-') : n;

    [GeneratedRegex("[^A-Z0-9_]")]
    private static partial Regex NonIdentifier();

    [GeneratedRegex("[^a-z0-9-]")]
    private static partial Regex NonDnsLabel();
}
