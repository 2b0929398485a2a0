using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Api.Messages;
using Sympozium.Api.Validation;
using Sympozium.Api.WellKnown;
using Sympozium.EventBus.Credentials;
using Sympozium.Kubernetes.Pods;

namespace Sympozium.Controller.Builders;

// The containers of the agent pod: the agent, the native sidecars (ipc-bridge, sandbox,
// mcp-bridge, skill sidecars) and the init containers (wait-for-memory, mcp-discover, preRun hooks).
public static partial class AgentPodBuilder
{
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
            EnvVars.Value(EnvironmentVariables.TaskFile, IpcPaths.InputTask),
            EnvVars.Value(EnvironmentVariables.TerminationMessagePath, AgentTerminationMessage.DefaultPath),
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
        if (inputs.McpServers.Count == 0)
        {
            // No mcp-bridge in this pod: no tool manifest will come, so the runner does not wait for one.
            env.Add(EnvVars.Value(EnvironmentVariables.McpManifestWait, "0s"));
        }

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

        return WithInputAndTerminationMessage(new V1Container
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
        });
    }

    private static V1Container IpcBridge(AgentPodInputs inputs)
    {
        var run = inputs.Run;
        var env = new List<V1EnvVar>
        {
            EnvVars.Value(EnvironmentVariables.AgentRunId, run.Metadata.Name),
            EnvVars.Value(EnvironmentVariables.InstanceName, run.Spec.InstanceRef),
            EnvVars.Value(EnvironmentVariables.AgentNamespace, run.Metadata.Namespace),
            EnvVars.Value(EnvironmentVariables.AgentRunUid, run.Metadata.Uid),
            EnvVars.Value(EnvironmentVariables.EventBusUrl, inputs.Images.EventBusUrl),
        };
        List<V1VolumeMount> mounts = [VolumeMounts.Of(IpcVolume, IpcPaths.Ipc)];
        if (inputs.BusCredentials)
        {
            env.AddRange(BusCredentialsBuilder.Environment(NatsPermissions.ForRun(run.Metadata.Namespace!, run.Metadata.Uid!).InboxPrefix));
            mounts.Add(BusCredentialsBuilder.Mount());
        }

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
            VolumeMounts = mounts,
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

    /// <summary>
    /// The host access a sidecar gets: what its SkillPack asks for, only when the governing policy
    /// allows host access (<see cref="AgentPodInputs.HostAccessAllowed"/>), or allows host mounts
    /// and the pack asks for nothing but host paths (<see cref="AgentPodInputs.HostMountsAllowed"/>);
    /// otherwise none.
    /// </summary>
    internal static HostAccess? GrantedHostAccess(AgentPodInputs inputs, ResolvedSidecar sidecar) =>
        sidecar.Sidecar.HostAccess is { Enabled: true } access
        && (inputs.HostAccessAllowed || (inputs.HostMountsAllowed && access is { Privileged: not true, RunAsRoot: not true, HostNetwork: not true, HostPID: not true }))
            ? access
            : null;

    /// <summary>
    /// Why the run may not start: a SkillPack asks for host access the governing policy does not
    /// allow (named with the pack, the field and the fix); null when none does or the policy allows it.
    /// </summary>
    public static string? HostAccessRefusal(AgentPodInputs inputs, string? policyName)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Sidecars.FirstOrDefault(s => s.Sidecar.HostAccess is { Enabled: true } && GrantedHostAccess(inputs, s) is null) is not { } asking)
        {
            return null;
        }

        var pack = asking.PackNamespace is { Length: > 0 } ns ? $"{ns}/{asking.PackName}" : asking.PackName;
        var fix = policyName is null
            ? $"bind the instance {inputs.Run.Spec.InstanceRef} to a SympoziumPolicy with spec.hostAccess.allowed: true (spec.policyRef)"
            : $"set spec.hostAccess.allowed: true in SympoziumPolicy {policyName} (spec.sandboxPolicy.allowHostMounts covers host paths alone)";
        return $"SkillPack {pack}: spec.sidecar.hostAccess.enabled asks for host access, which the governing policy does not allow; {fix}, or remove hostAccess from the pack";
    }

    /// <param name="hostAccess">The host access granted (<see cref="GrantedHostAccess"/>); null runs the sidecar restricted.</param>
    private static V1Container SkillSidecar(ResolvedSidecar resolved, HostAccess? hostAccess)
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

        var hostMounts = hostAccess?.Mounts ?? [];
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
            // Restricted unless the policy granted the host access the pack asks for.
            SecurityContext = hostAccess is null ? ContainerSecurity.Restricted() : HostAccessContext(hostAccess),
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

    /// <summary>
    /// A sidecar granted host access gives up only what its pack asks for: privileged drops the
    /// restricted context; run-as-root relaxes just the user; host network, PID or paths alone keep
    /// the container restricted.
    /// </summary>
    private static V1SecurityContext HostAccessContext(HostAccess access)
    {
        var root = access.RunAsRoot == true;
        if (access.Privileged == true)
        {
            return new V1SecurityContext
            {
                Privileged = true,
                AllowPrivilegeEscalation = true,
                SeccompProfile = new V1SeccompProfile { Type = "Unconfined" },
                RunAsUser = root ? 0 : null,
                RunAsNonRoot = root ? false : null,
            };
        }

        var context = ContainerSecurity.Restricted();
        if (root)
        {
            context.RunAsUser = 0;
            context.RunAsNonRoot = false;
        }

        return context;
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
}
