using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;
using Sympozium.Controller.Builders;
using Sympozium.Kubernetes.Client;
using Sympozium.Kubernetes.Reconcile;

namespace Sympozium.Controller.Reconcilers;

// Per-run RBAC: granted before the Job exists, judged by RbacRuleJudge (through RbacBuilder) first;
// revoked on every terminal path and on deletion — when the run ends, not when it is pruned
// (docs/design/upstream-fixes.md#cp-5); grants a crash left behind are swept (RbacSweeper).
public sealed partial class AgentRunReconciler
{
    /// <summary>Fails a run whose rules <see cref="Sympozium.Api.Validation.RbacRuleJudge"/> refused; nothing was granted.</summary>
    private Task<ReconcileResult> RbacRefusedAsync(AgentRun run, RunRbac rbac, CancellationToken cancellationToken) =>
        FailAsync(run, "RbacRefused", "skill RBAC refused, nothing was granted: " + string.Join("; ", rbac.Errors), cancellationToken);

    /// <summary>True once the run's grants are recorded as revoked (condition RbacGranted=False).</summary>
    private static bool RbacRevoked(AgentRun run) =>
        run.Status?.Conditions?.Any(c => c.Type == Conditions.RbacGranted && c.Status == "False") == true;

    /// <summary>Creates the run's ServiceAccount, Roles, RoleBindings and cluster-scoped grants (each one only if absent).</summary>
    private async Task CreateRbacAsync(RunRbac rbac, CancellationToken cancellationToken)
    {
        var account = rbac.ServiceAccount!;
        await CreateIfAbsent.CreateAsync(_clients.ServiceAccounts, account.Metadata.NamespaceProperty, account, cancellationToken).ConfigureAwait(false);
        foreach (var role in rbac.Roles)
        {
            await CreateIfAbsent.CreateAsync(_clients.Roles, role.Metadata.NamespaceProperty, role, cancellationToken).ConfigureAwait(false);
        }

        foreach (var binding in rbac.RoleBindings)
        {
            await CreateIfAbsent.CreateAsync(_clients.RoleBindings, binding.Metadata.NamespaceProperty, binding, cancellationToken).ConfigureAwait(false);
        }

        foreach (var role in rbac.ClusterRoles)
        {
            await CreateIfAbsent.CreateAsync(_clients.ClusterRoles, null, role, cancellationToken).ConfigureAwait(false);
        }

        foreach (var binding in rbac.ClusterRoleBindings)
        {
            await CreateIfAbsent.CreateAsync(_clients.ClusterRoleBindings, null, binding, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Deletes the run's ServiceAccount, Roles, RoleBindings and cluster-scoped grants — when the
    /// run ends, not when it is pruned (docs/design/upstream-fixes.md#cp-5).
    /// </summary>
    private async Task RevokeRbacAsync(AgentRun run, CancellationToken cancellationToken)
    {
        var ns = run.Metadata.Namespace!;
        var name = run.Metadata.Name!;
        var clusterSelector = RbacBuilder.ClusterSelector(ns, name);
        foreach (var binding in (await _clients.ClusterRoleBindings.ListAsync(null, clusterSelector, cancellationToken: cancellationToken).ConfigureAwait(false)).Items)
        {
            await _clients.ClusterRoleBindings.DeleteAsync(null, binding.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        foreach (var role in (await _clients.ClusterRoles.ListAsync(null, clusterSelector, cancellationToken: cancellationToken).ConfigureAwait(false)).Items)
        {
            await _clients.ClusterRoles.DeleteAsync(null, role.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        var selector = $"{Labels.AgentRun}={name},{Labels.ManagedBy}={Labels.Values.Sympozium}";
        foreach (var binding in (await _clients.RoleBindings.ListAsync(ns, selector, cancellationToken: cancellationToken).ConfigureAwait(false)).Items)
        {
            await _clients.RoleBindings.DeleteAsync(ns, binding.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        foreach (var role in (await _clients.Roles.ListAsync(ns, selector, cancellationToken: cancellationToken).ConfigureAwait(false)).Items)
        {
            await _clients.Roles.DeleteAsync(ns, role.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        await _clients.ServiceAccounts.DeleteAsync(ns, AgentPodBuilder.RunServiceAccountName(run), cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
