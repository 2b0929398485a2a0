using System.Text.RegularExpressions;
using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;
using Sympozium.Kubernetes.Pods;

namespace Sympozium.Controller.Builders;

// Environment of the agent pod's containers that is computed rather than listed: the run's own
// env, observability settings and MCP bearer-token variables.
public static partial class AgentPodBuilder
{
    /// <summary>
    /// The run's own <c>spec.env</c>, without the names the controller reserves
    /// (<see cref="EnvironmentVariables.IsReservedForController"/>; the webhook refuses them, this
    /// holds when it did not run).
    /// </summary>
    private static IEnumerable<V1EnvVar> SortedSpecEnv(AgentRun run) =>
        (run.Spec.Env ?? [])
            .Where(e => !EnvironmentVariables.IsReservedForController(e.Key))
            .OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => EnvVars.Value(e.Key, e.Value));

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

    /// <summary><c>MCP_AUTH_&lt;NAME&gt;</c>: the server name upper-cased, '-' and '.' as '_'.</summary>
    public static string McpAuthVariable(string serverName)
    {
        ArgumentNullException.ThrowIfNull(serverName);
        return EnvironmentVariables.McpAuthPrefix + NonIdentifier().Replace(serverName.ToUpperInvariant(), "_");
    }

    [GeneratedRegex("[^A-Z0-9_]")]
    private static partial Regex NonIdentifier();
}
