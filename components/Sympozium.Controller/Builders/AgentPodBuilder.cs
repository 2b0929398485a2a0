using System.Globalization;
using System.Text.RegularExpressions;
using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Api.Validation;
using Sympozium.Api.WellKnown;

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
        return new V1OwnerReference
        {
            ApiVersion = run.ApiVersion,
            Kind = run.Kind,
            Name = run.Metadata.Name,
            Uid = run.Metadata.Uid ?? "",
            Controller = true,
            BlockOwnerDeletion = true,
        };
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
            ImagePullSecrets = run.Spec.ImagePullSecrets is { Count: > 0 } secrets
                ? [.. secrets.Select(s => new V1LocalObjectReference { Name = s.Name })]
                : null,
            NodeSelector = run.Spec.Model.NodeSelector is { Count: > 0 } selector ? new Dictionary<string, string>(selector) : null,
            HostNetwork = hostNetwork ? true : null,
            HostPID = hostPid ? true : null,
            DnsPolicy = hostNetwork ? "ClusterFirstWithHostNet" : "ClusterFirst",
            SecurityContext = new V1PodSecurityContext
            {
                RunAsNonRoot = true,
                RunAsUser = 1000,
                FsGroup = 1000,
                SeccompProfile = new V1SeccompProfile { Type = run.Spec.Sandbox?.SecurityContext?.SeccompProfile?.Type is { Length: > 0 } t ? t : "RuntimeDefault" },
            },
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
            Env("AGENT_RUN_ID", run.Metadata.Name),
            Env("AGENT_ID", run.Spec.AgentId),
            Env("SESSION_KEY", run.Spec.SessionKey),
            Env("INSTANCE_NAME", run.Spec.InstanceRef),
            Env("PERSONA_PACK_NAME", run.Metadata.Labels?.GetValueOrDefault(Labels.PersonaPack) ?? ""),
            Env("AGENT_NAMESPACE", run.Metadata.Namespace),
            Env("TASK", run.Spec.Task),
            Env("SYSTEM_PROMPT", run.Spec.SystemPrompt ?? ""),
            Env("MODEL_PROVIDER", run.Spec.Model.Provider),
            Env("MODEL_NAME", run.Spec.Model.Model),
            Env("MODEL_BASE_URL", run.Spec.Model.BaseURL ?? ""),
            Env("THINKING_MODE", run.Spec.Model.Thinking ?? ""),
            Env("RUN_TIMEOUT", GoDuration.Format(inputs.Timeout)),
        };
        if (memoryEnabled)
        {
            env.Add(Env("MEMORY_ENABLED", "true"));
        }

        if (inputs.MemoryServerUrl is { } memoryUrl)
        {
            env.Add(Env("MEMORY_SERVER_URL", memoryUrl));
        }

        env.AddRange(SortedSpecEnv(run));
        env.Add(Env("TOOLS_ENABLED", "true"));
        if (inputs.FetchAllowPrivate)
        {
            env.Add(Env("SYMPOZIUM_FETCH_ALLOW_PRIVATE", "true"));
        }

        if (run.Metadata.Annotations?.GetValueOrDefault(Annotations.ReplyChannel) is { Length: > 0 } channel)
        {
            env.Add(Env("SOURCE_CHANNEL", channel));
        }

        if (run.Metadata.Annotations?.GetValueOrDefault(Annotations.ReplyChatId) is { Length: > 0 } chat)
        {
            env.Add(Env("SOURCE_CHAT_ID", chat));
        }

        if (inputs.TraceParent is { Length: > 0 } traceParent)
        {
            env.Add(Env("TRACEPARENT", traceParent));
        }

        env.AddRange(Observability(inputs));
        var mounts = new List<V1VolumeMount>
        {
            Mount(WorkspaceVolume, IpcPaths.Workspace),
            Mount(SkillsVolume, IpcPaths.Skills, readOnly: true),
            Mount(IpcVolume, IpcPaths.Ipc),
            Mount(TmpVolume, IpcPaths.Tmp),
        };
        if (memoryEnabled)
        {
            mounts.Add(Mount(MemoryVolume, IpcPaths.Memory, readOnly: true));
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
            Resources = Resources("250m", "512Mi", "1", "1Gi"),
            SecurityContext = Restricted(),
        };
    }

    private static V1Container IpcBridge(AgentPodInputs inputs)
    {
        var run = inputs.Run;
        var env = new List<V1EnvVar>
        {
            Env("AGENT_RUN_ID", run.Metadata.Name),
            Env("INSTANCE_NAME", run.Spec.InstanceRef),
            Env("AGENT_NAMESPACE", run.Metadata.Namespace),
            Env("EVENT_BUS_URL", inputs.Images.EventBusUrl),
        };
        if (run.Spec.Lifecycle?.PostRun?.Any(h => h.Gate == true) == true)
        {
            env.Add(Env("GATE_SUPPRESS_COMPLETION", "true"));
        }

        if (inputs.TraceParent is { Length: > 0 } traceParent)
        {
            env.Add(Env("TRACEPARENT", traceParent));
        }

        env.AddRange(Observability(inputs));
        return new V1Container
        {
            Name = "ipc-bridge",
            Image = inputs.Images.Image("ipc-bridge"),
            ImagePullPolicy = "IfNotPresent",
            RestartPolicy = "Always",
            Env = env,
            VolumeMounts = [Mount(IpcVolume, IpcPaths.Ipc)],
            Resources = Resources("50m", "64Mi", "100m", "128Mi"),
            SecurityContext = Restricted(),
        };
    }

    private static V1Container Sandbox(AgentPodInputs inputs) => new()
    {
        Name = "sandbox",
        Image = inputs.Run.Spec.Sandbox?.Image is { Length: > 0 } image ? image : inputs.Images.Image("sandbox"),
        ImagePullPolicy = "IfNotPresent",
        RestartPolicy = "Always",
        Command = ["sleep", "infinity"],
        VolumeMounts = [Mount(WorkspaceVolume, IpcPaths.Workspace), Mount(TmpVolume, IpcPaths.Tmp)],
        Resources = SandboxResources(inputs.Run.Spec.Sandbox?.Resources),
        SecurityContext = new V1SecurityContext
        {
            ReadOnlyRootFilesystem = true,
            AllowPrivilegeEscalation = false,
            Capabilities = new V1Capabilities { Drop = ["ALL"] },
        },
    };

    private static V1Container McpBridge(AgentPodInputs inputs, bool discoverOnly)
    {
        var run = inputs.Run;
        var env = new List<V1EnvVar>
        {
            Env("AGENT_RUN_ID", run.Metadata.Name),
            Env("MCP_CONFIG_PATH", IpcPaths.Config + "/" + McpConfigFile),
            Env("MCP_IPC_PATH", IpcPaths.ToolsDir),
            Env("MCP_MANIFEST_PATH", IpcPaths.McpToolsFile),
        };
        if (inputs.TraceParent is { Length: > 0 } traceParent)
        {
            env.Add(Env("TRACEPARENT", traceParent));
        }

        env.AddRange(Observability(inputs));
        foreach (var server in inputs.McpServers.Where(s => !string.IsNullOrEmpty(s.AuthSecret)))
        {
            env.Add(new V1EnvVar
            {
                Name = McpAuthVariable(server.Name),
                ValueFrom = new V1EnvVarSource
                {
                    SecretKeyRef = new V1SecretKeySelector { Name = server.AuthSecret, Key = string.IsNullOrEmpty(server.AuthKey) ? "token" : server.AuthKey, Optional = true },
                },
            });
        }

        if (discoverOnly)
        {
            env.Add(Env("MCP_DISCOVER_ONLY", "true"));
        }

        return new V1Container
        {
            Name = discoverOnly ? "mcp-discover" : "mcp-bridge",
            Image = inputs.Images.Image("mcp-bridge"),
            ImagePullPolicy = "IfNotPresent",
            RestartPolicy = discoverOnly ? null : "Always",
            Env = env,
            VolumeMounts = [Mount(IpcVolume, IpcPaths.Ipc), Mount(McpConfigVolume, IpcPaths.Config, readOnly: true)],
            Resources = Resources("100m", "128Mi", "200m", "256Mi"),
            SecurityContext = Restricted(),
        };
    }

    /// <summary><c>MCP_AUTH_&lt;NAME&gt;</c>: the server name upper-cased, '-' and '.' as '_'.</summary>
    public static string McpAuthVariable(string serverName)
    {
        ArgumentNullException.ThrowIfNull(serverName);
        return "MCP_AUTH_" + NonIdentifier().Replace(serverName.ToUpperInvariant(), "_");
    }

    private static V1Container WaitForMemory(ControllerImages images, string memoryUrl) => new()
    {
        Name = "wait-for-memory",
        Image = images.BusyboxImage,
        ImagePullPolicy = "IfNotPresent",
        Command = ["sh", "-c",
            $"i=0; until wget -q --spider {memoryUrl}/health; do i=$((i+2)); if [ $i -ge 120 ]; then echo 'memory server {memoryUrl} not ready after 120s'; exit 1; fi; sleep 2; done"],
        Resources = Resources("50m", "32Mi", "100m", "64Mi"),
        SecurityContext = Restricted(),
    };

    private static V1Container SkillSidecar(ResolvedSidecar resolved)
    {
        var sidecar = resolved.Sidecar;
        var env = (sidecar.Env ?? []).Select(e => Env(e.Name, e.Value)).ToList();
        // Sorted so the pod spec is stable across reconciles (upstream used map order).
        env.AddRange(resolved.Params.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => Env("SKILL_" + p.Key.ToUpperInvariant(), p.Value)));
        var mounts = new List<V1VolumeMount> { Mount(IpcVolume, IpcPaths.Ipc), Mount(TmpVolume, IpcPaths.Tmp) };
        if (sidecar.MountWorkspace != false)
        {
            mounts.Add(Mount(WorkspaceVolume, IpcPaths.Workspace));
        }

        var hostMounts = sidecar.HostAccess is { Enabled: true } access ? access.Mounts ?? [] : [];
        for (var i = 0; i < hostMounts.Count; i++)
        {
            mounts.Add(Mount(HostVolumeName(resolved.PackName, i), hostMounts[i].MountPath, readOnly: hostMounts[i].ReadOnly != false));
        }

        if (!string.IsNullOrEmpty(sidecar.SecretRef))
        {
            mounts.Add(Mount(SecretVolumeName(resolved.PackName), sidecar.SecretMountPath is { Length: > 0 } path ? path : "/secrets/" + sidecar.SecretRef, readOnly: true));
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
            Resources = Resources(cpu, memory, cpu, memory),
            SecurityContext = HostAccessContext(sidecar.HostAccess),
        };
    }

    private static V1Container PreRunHook(AgentPodInputs inputs, LifecycleHook hook)
    {
        var run = inputs.Run;
        var env = new List<V1EnvVar>
        {
            Env("AGENT_RUN_ID", run.Metadata.Name),
            Env("INSTANCE_NAME", run.Spec.InstanceRef),
            Env("AGENT_NAMESPACE", run.Metadata.Namespace),
        };
        env.AddRange((hook.Env ?? []).Select(e => Env(e.Name, e.Value)));
        env.AddRange(SortedSpecEnv(run));
        return new V1Container
        {
            Name = "pre-" + hook.Name,
            Image = hook.Image,
            ImagePullPolicy = "IfNotPresent",
            Command = hook.Command is { Count: > 0 } command ? [.. command] : null,
            Args = hook.Args is { Count: > 0 } args ? [.. args] : null,
            Env = env,
            VolumeMounts = [Mount(WorkspaceVolume, IpcPaths.Workspace), Mount(IpcVolume, IpcPaths.Ipc), Mount(TmpVolume, IpcPaths.Tmp)],
            Resources = Resources("100m", "128Mi", "500m", "512Mi"),
            SecurityContext = Restricted(),
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
        (run.Spec.Env ?? []).OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => Env(e.Key, e.Value));

    private static IEnumerable<V1EnvVar> Observability(AgentPodInputs inputs)
    {
        var observability = inputs.Instance?.Spec.Observability;
        if (observability?.Enabled != true)
        {
            yield break;
        }

        yield return Env("SYMPOZIUM_OTEL_ENABLED", "true");
        foreach (var (suffix, value) in new[] { ("OTLP_ENDPOINT", observability.OtlpEndpoint), ("OTLP_PROTOCOL", observability.OtlpProtocol), ("SERVICE_NAME", observability.ServiceName) })
        {
            if (!string.IsNullOrEmpty(value))
            {
                yield return Env("SYMPOZIUM_OTEL_" + suffix, value);
                yield return Env(suffix == "SERVICE_NAME" ? "OTEL_SERVICE_NAME" : "OTEL_EXPORTER_" + suffix, value);
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
        yield return Env("SYMPOZIUM_OTEL_RESOURCE_ATTRIBUTES", joined);
        yield return Env("OTEL_RESOURCE_ATTRIBUTES", joined);
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

    private static V1SecurityContext Restricted() => new()
    {
        ReadOnlyRootFilesystem = true,
        AllowPrivilegeEscalation = false,
        Capabilities = new V1Capabilities { Drop = ["ALL"] },
    };

    private static V1ResourceRequirements SandboxResources(SandboxResources? requested)
    {
        // The run may ask for its own sandbox resources (upstream ignored them).
        var defaults = Resources("100m", "256Mi", "500m", "512Mi");
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

    private static V1ResourceRequirements Resources(string cpuRequest, string memoryRequest, string cpuLimit, string memoryLimit) => new()
    {
        Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpuRequest), ["memory"] = new(memoryRequest) },
        Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpuLimit), ["memory"] = new(memoryLimit) },
    };

    private static V1EnvVar Env(string name, string? value) => new() { Name = name, Value = value ?? "" };

    private static V1VolumeMount Mount(string volume, string path, bool readOnly = false) =>
        new() { Name = volume, MountPath = path, ReadOnlyProperty = readOnly ? true : null };

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
