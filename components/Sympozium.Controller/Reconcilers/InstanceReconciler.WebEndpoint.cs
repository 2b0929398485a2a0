using Sympozium.Api.Kinds;
using Sympozium.Api.Meta;
using Sympozium.Api.WellKnown;
using Sympozium.Controller.Builders;
using Sympozium.Kubernetes.Client;

namespace Sympozium.Controller.Reconcilers;

// The web-endpoint skill (docs/design/instances.md#web-endpoint-run, serving.md): one server-mode
// AgentRun per instance, kept in line with the skill and deleted when the skill is removed
// (upstream left it running, docs/design/upstream-fixes.md#cp-14).
public sealed partial class InstanceReconciler
{
    private async Task<(WebEndpointStatus? Status, bool Waiting)> ReconcileWebEndpointAsync(
        SympoziumInstance instance, List<KubernetesApiException> problems, CancellationToken cancellationToken)
    {
        var ns = instance.Metadata.Namespace!;
        var name = instance.Metadata.Name!;
        var skill = FindSkill(instance, WebEndpointRunBuilder.Skill);
        var runName = WebEndpointRunBuilder.RunName(name);
        WebEndpointStatus? status = null;
        var waiting = false;
        await GuardAsync(problems, $"AgentRun {ns}/{runName}", async () =>
        {
            var existing = await _read.Runs.ListAsync(ns, new Dictionary<string, string> { [Labels.Instance] = name, [Labels.Component] = Labels.Components.WebEndpoint }, cancellationToken).ConfigureAwait(false);
            var live = existing.Where(r => r.Metadata.DeletionTimestamp is null).ToList();
            if (skill is null)
            {
                foreach (var run in live)
                {
                    await clients.Runs.DeleteAsync(ns, run.Metadata.Name!, cancellationToken: cancellationToken).ConfigureAwait(false);
                }

                return;
            }

            var desired = WebEndpointRunBuilder.Build(instance, skill);
            var keep = live.FirstOrDefault(r => r.Metadata.Name == runName) ?? live.FirstOrDefault();
            foreach (var run in live.Where(r => r != keep || !SameServing(r, desired)))
            {
                // A duplicate, or a run serving an older skill configuration or model: the server
                // Deployment is built once per run, so a changed configuration means a new run.
                await clients.Runs.DeleteAsync(ns, run.Metadata.Name!, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            if (keep is not null && SameServing(keep, desired))
            {
                status = WebEndpointState(instance, skill, keep.Status?.Phase);
                return;
            }

            status = WebEndpointState(instance, skill, null);
            if (existing.Any(r => r.Metadata.Name == runName))
            {
                // The previous run is still finishing its deletion; create the new one afterwards.
                waiting = true;
                return;
            }

            // Already there (a stale read): its serving configuration is compared on the next pass.
            waiting = !await CreateIfAbsent.CreateAsync(clients.Runs, ns, desired, cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);

        if (status is null && skill is not null)
        {
            status = new WebEndpointStatus { Status = "Error" };
        }

        if (status is not null && skill is not null)
        {
            status.Url = await WebEndpointUrlAsync(name, skill, cancellationToken).ConfigureAwait(false);
        }

        return (status, waiting);
    }

    /// <summary>Same skill parameters and model: the running server still matches the instance.</summary>
    private static bool SameServing(AgentRun live, AgentRun desired)
    {
        static string Skills(AgentRun r) => string.Join('|', (r.Spec.Skills ?? []).Select(s =>
            $"{s.SkillPackRef}/{s.ConfigMapRef}/{string.Join(',', (s.Params ?? []).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value))}"));
        static string Map(Dictionary<string, string>? map) =>
            string.Join(',', (map ?? []).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key + "=" + p.Value));

        var a = live.Spec.Model;
        var b = desired.Spec.Model;
        return Skills(live) == Skills(desired)
            && a.Provider == b.Provider && a.Model == b.Model && (a.BaseURL ?? "") == (b.BaseURL ?? "")
            && a.AuthSecretRef == b.AuthSecretRef && Map(a.NodeSelector) == Map(b.NodeSelector);
    }

    private static WebEndpointStatus WebEndpointState(SympoziumInstance instance, SkillRef skill, string? runPhase) => new()
    {
        Status = runPhase is { Length: > 0 } phase ? phase : AgentRunPhases.Pending,
        AuthSecretName = skill.Params?.GetValueOrDefault("auth_secret_ref") is { Length: > 0 } own ? own : instance.Metadata.Name + "-web-proxy-key",
    };

    /// <summary>
    /// Where the endpoint is reachable: the skill's hostname param, else &lt;instance&gt;.&lt;baseDomain&gt; of the
    /// default SympoziumConfig in sympozium-system (where serving looks for it) when its Gateway is enabled; https with TLS.
    /// </summary>
    private async Task<string?> WebEndpointUrlAsync(string instance, SkillRef skill, CancellationToken cancellationToken)
    {
        var config = await _read.Configs.GetAsync(Defaults.SystemNamespace, Defaults.ConfigName, cancellationToken).ConfigureAwait(false);
        var gateway = config?.Spec.Gateway is { Enabled: true } g ? g : null;
        var hostname = skill.Params?.GetValueOrDefault("hostname") is { Length: > 0 } h ? h
            : gateway?.BaseDomain is { Length: > 0 } domain ? $"{instance}.{domain}"
            : null;
        if (hostname is null)
        {
            return null;
        }

        var tls = gateway?.Tls?.Enabled == true && !string.IsNullOrEmpty(gateway.BaseDomain);
        return (tls ? "https://" : "http://") + hostname;
    }
}
