using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Api.Messages;
using Sympozium.Api.WellKnown;
using Sympozium.Kubernetes.Pods;

namespace Sympozium.Controller.Builders;

// What the agent reads and leaves behind outside its environment: the task as a file from the
// run's input ConfigMap (Linux limits one environment variable to 128 KiB) and the termination
// message the controller records the outcome from (docs/design/agent-runs.md#job-and-pod-shape).
public static partial class AgentPodBuilder
{
    public const string InputVolume = "input";

    /// <summary>The key of the input ConfigMap holding the task; the file <c>/input/task</c>.</summary>
    public const string TaskKey = "task";

    /// <summary><c>&lt;run&gt;-input</c>, upstream's name for the same ConfigMap (which upstream created but never mounted).</summary>
    public static string InputConfigMapName(AgentRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.Metadata.Name + "-input";
    }

    /// <summary>The run's input ConfigMap: the task, owned by the run.</summary>
    public static V1ConfigMap InputConfigMap(AgentRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = new V1ObjectMeta
            {
                Name = InputConfigMapName(run),
                NamespaceProperty = run.Metadata.Namespace,
                Labels = new Dictionary<string, string>
                {
                    [Labels.AgentRun] = run.Metadata.Name ?? "",
                    [Labels.AppManagedBy] = Labels.Values.SympoziumController,
                },
                OwnerReferences = [OwnerReference(run)],
            },
            Data = new Dictionary<string, string> { [TaskKey] = run.Spec.Task },
        };
    }

    private static V1Volume InputVolumeFor(AgentRun run) => new()
    {
        Name = InputVolume,
        ConfigMap = new V1ConfigMapVolumeSource { Name = InputConfigMapName(run) },
    };

    /// <summary>
    /// A kubelet keeps 12 KiB of termination messages per pod, divided equally among all its
    /// containers (init containers included), so a pod with sidecars gives the agent less than
    /// 4 KiB; the runner keeps its message within the share it is told.
    /// </summary>
    private static V1Container WithTerminationMessageBudget(V1Container agent, int containers)
    {
        agent.Env.Add(EnvVars.Value(EnvironmentVariables.TerminationMessageMaxBytes, AgentTerminationMessage.BudgetFor(containers).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return agent;
    }

    /// <summary>
    /// Mounts the task file, and sets where the agent reports its outcome: the termination message
    /// with policy File, never FallbackToLogsOnError, whose log tail would let logged text stand in
    /// for the report.
    /// </summary>
    private static V1Container WithInputAndTerminationMessage(V1Container agent)
    {
        agent.TerminationMessagePath = AgentTerminationMessage.DefaultPath;
        agent.TerminationMessagePolicy = "File";
        agent.VolumeMounts.Add(VolumeMounts.Of(InputVolume, IpcPaths.Input, readOnly: true));
        return agent;
    }
}
