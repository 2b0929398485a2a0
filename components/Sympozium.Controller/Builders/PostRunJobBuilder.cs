using System.Globalization;
using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Api.Validation;
using Sympozium.Api.WellKnown;
using Sympozium.Kubernetes.Pods;

namespace Sympozium.Controller.Builders;

/// <summary>
/// The <c>&lt;run&gt;-postrun</c> Job that runs a run's postRun hooks after the agent
/// (docs/design/agent-runs.md#postrun-hooks-and-the-gate): each hook is an init container
/// <c>post-&lt;name&gt;</c> (the gate hook first) sharing the run's workspace claim; a tiny
/// <c>done</c> container completes the pod. Unlike upstream, each hook's <c>timeout</c> counts: the
/// Job's deadline is their sum (5 minutes for a hook without one).
/// </summary>
public static class PostRunJobBuilder
{
    /// <summary>The hook budget when a hook names no timeout.</summary>
    public static readonly TimeSpan DefaultHookTimeout = TimeSpan.FromMinutes(5);

    /// <summary>AGENT_RESULT is cut to this many characters (environment size limits).</summary>
    public const int MaxResultLength = 32 * 1024;

    public static string JobName(AgentRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var name = run.Metadata.Name + "-postrun";
        return name.Length <= 63 ? name : name[..63].TrimEnd('-');
    }

    public static string WorkspaceClaimName(AgentRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.Metadata.Name + "-workspace";
    }

    /// <summary>The time the hooks may take together: the sum of their timeouts.</summary>
    public static TimeSpan Budget(AgentRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var total = TimeSpan.Zero;
        foreach (var hook in run.Spec.Lifecycle?.PostRun ?? [])
        {
            total += GoDuration.TryParse(hook.Timeout, out var t) && t > TimeSpan.Zero ? t : DefaultHookTimeout;
        }

        return total;
    }

    /// <summary>The workspace claim the agent and the hooks share.</summary>
    public static V1PersistentVolumeClaim WorkspaceClaim(AgentRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new V1PersistentVolumeClaim
        {
            ApiVersion = "v1",
            Kind = "PersistentVolumeClaim",
            Metadata = new V1ObjectMeta
            {
                Name = WorkspaceClaimName(run),
                NamespaceProperty = run.Metadata.Namespace,
                Labels = new Dictionary<string, string> { [Labels.AgentRun] = run.Metadata.Name ?? "", [Labels.Component] = Labels.Components.Workspace },
                OwnerReferences = [AgentPodBuilder.OwnerReference(run)],
            },
            Spec = new V1PersistentVolumeClaimSpec
            {
                AccessModes = ["ReadWriteOnce"],
                Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("1Gi") } },
            },
        };
    }

    /// <param name="run">The run (its hooks, its name).</param>
    /// <param name="exitCode">0 when the agent succeeded.</param>
    /// <param name="resultOrError">The agent's reply, or why it failed.</param>
    /// <param name="serviceAccount">The run's own ServiceAccount when it holds lifecycle RBAC (a gate hook patches the run), else the shared token-less one.</param>
    /// <param name="ttlSeconds">ttlSecondsAfterFinished of the Job.</param>
    public static V1Job Build(AgentRun run, int exitCode, string resultOrError, string? serviceAccount, ControllerImages images, int ttlSeconds = AgentPodBuilder.TtlSecondsAfterFinished)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(images);
        var hooks = (run.Spec.Lifecycle?.PostRun ?? []).OrderByDescending(h => h.Gate == true).ToList();
        var labels = AgentPodBuilder.JobLabels(run);
        labels[Labels.Component] = Labels.Components.PostRun;
        var result = resultOrError.Length <= MaxResultLength ? resultOrError : resultOrError[..MaxResultLength];
        var init = hooks.Select(hook => new V1Container
        {
            Name = "post-" + hook.Name,
            Image = hook.Image,
            ImagePullPolicy = "IfNotPresent",
            Command = hook.Command is { Count: > 0 } command ? [.. command] : null,
            Args = hook.Args is { Count: > 0 } args ? [.. args] : null,
            Env =
            [
                EnvVars.Value(EnvironmentVariables.AgentRunId, run.Metadata.Name),
                EnvVars.Value(EnvironmentVariables.InstanceName, run.Spec.InstanceRef),
                EnvVars.Value(EnvironmentVariables.AgentNamespace, run.Metadata.Namespace),
                EnvVars.Value(EnvironmentVariables.AgentExitCode, exitCode.ToString(CultureInfo.InvariantCulture)),
                EnvVars.Value(EnvironmentVariables.AgentResult, result),
                EnvVars.Value(EnvironmentVariables.GateHook, hook.Gate == true ? "true" : "false"),
                .. (hook.Env ?? []).Select(e => EnvVars.Value(e.Name, e.Value)),
            ],
            VolumeMounts =
            [
                VolumeMounts.Of(AgentPodBuilder.WorkspaceVolume, IpcPaths.Workspace),
                VolumeMounts.Of(AgentPodBuilder.TmpVolume, IpcPaths.Tmp),
            ],
            Resources = ContainerResources.Bounded("100m", "128Mi", "500m", "512Mi"),
            SecurityContext = ContainerSecurity.Restricted(),
        }).ToList();

        return new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = new V1ObjectMeta
            {
                Name = JobName(run),
                NamespaceProperty = run.Metadata.Namespace,
                Labels = labels,
                OwnerReferences = [AgentPodBuilder.OwnerReference(run)],
            },
            Spec = new V1JobSpec
            {
                BackoffLimit = 0,
                TtlSecondsAfterFinished = ttlSeconds,
                ActiveDeadlineSeconds = (long)Math.Ceiling(Budget(run).TotalSeconds),
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string>(labels) },
                    Spec = new V1PodSpec
                    {
                        RestartPolicy = "Never",
                        ServiceAccountName = serviceAccount ?? Defaults.AgentServiceAccount,
                        AutomountServiceAccountToken = serviceAccount is not null,
                        ImagePullSecrets = PullSecrets.From(run.Spec.ImagePullSecrets),
                        SecurityContext = PodSecurity.NonRoot(),
                        InitContainers = init,
                        Containers =
                        [
                            new V1Container
                            {
                                Name = "done",
                                Image = images.BusyboxImage,
                                Command = ["true"],
                                Resources = ContainerResources.Bounded("10m", "8Mi", "50m", "16Mi"),
                                SecurityContext = ContainerSecurity.Restricted(),
                            },
                        ],
                        Volumes =
                        [
                            new V1Volume { Name = AgentPodBuilder.WorkspaceVolume, PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = WorkspaceClaimName(run) } },
                            new V1Volume { Name = AgentPodBuilder.TmpVolume, EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("256Mi") } },
                        ],
                    },
                },
            },
        };
    }
}
