using Microsoft.Extensions.Logging;
using Sympozium.Api.WellKnown;
using Sympozium.Controller.Builders;

namespace Sympozium.Controller.Reconcilers;

/// <summary>
/// Deletes cluster-scoped run grants (ClusterRoles and ClusterRoleBindings labelled by
/// <see cref="RbacBuilder"/>) whose run no longer exists, is a newer run of the same name, or has
/// finished (docs/design/agent-runs.md#per-run-rbac). The reconciler revokes on every terminal
/// path; this catches what it cannot: a run deleted while no controller held its finalizer, or a
/// controller that died between granting and recording the grant. Namespaced grants are owned by
/// their run, so the garbage collector removes them with it. Runs once at the start of each
/// leadership term, then every <see cref="Interval"/>.
/// </summary>
public sealed partial class RbacSweeper(Clients clients, ILogger logger, TimeProvider? time = null)
{
    /// <summary>Time between sweeps after the first (default 5 minutes).</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Sweeps now and then every <see cref="Interval"/> until <paramref name="cancellationToken"/> ends.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                try
                {
                    await SweepAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Log.SweepFailed(logger, e.Message);
                }

                await Task.Delay(Interval, _time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The leadership term (or the process) ended.
        }
    }

    /// <summary>One sweep; returns how many objects were deleted.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var selector = RbacBuilder.AllClusterGrantsSelector;
        var verdicts = new Dictionary<(string, string, string?), bool>();
        var deleted = 0;

        // Bindings first: once the binding is gone the role grants nothing.
        foreach (var binding in (await clients.ClusterRoleBindings.ListAsync(null, selector, cancellationToken: cancellationToken).ConfigureAwait(false)).Items)
        {
            if (await IsStaleAsync(binding.Metadata.Labels, verdicts, cancellationToken).ConfigureAwait(false)
                && await clients.ClusterRoleBindings.DeleteAsync(null, binding.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                deleted++;
                Log.Swept(logger, "ClusterRoleBinding " + binding.Metadata.Name, RunOf(binding.Metadata.Labels));
            }
        }

        foreach (var role in (await clients.ClusterRoles.ListAsync(null, selector, cancellationToken: cancellationToken).ConfigureAwait(false)).Items)
        {
            if (await IsStaleAsync(role.Metadata.Labels, verdicts, cancellationToken).ConfigureAwait(false)
                && await clients.ClusterRoles.DeleteAsync(null, role.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                deleted++;
                Log.Swept(logger, "ClusterRole " + role.Metadata.Name, RunOf(role.Metadata.Labels));
            }
        }

        return deleted;
    }

    private static string RunOf(IDictionary<string, string> labels) => $"{labels[Labels.RunNamespace]}/{labels[Labels.AgentRun]}";

    /// <summary>The verdict for the run a grant is labelled with, asked once per run and sweep.</summary>
    private async Task<bool> IsStaleAsync(IDictionary<string, string> labels, Dictionary<(string, string, string?), bool> verdicts, CancellationToken cancellationToken)
    {
        (string Ns, string Run, string? Uid) key = (labels[Labels.RunNamespace], labels[Labels.AgentRun], labels.TryGetValue(Labels.RunUid, out var uid) ? uid : null);
        if (!verdicts.TryGetValue(key, out var stale))
        {
            stale = await IsStaleAsync(key.Ns, key.Run, key.Uid, cancellationToken).ConfigureAwait(false);
            verdicts[key] = stale;
        }

        return stale;
    }

    /// <summary>True when no live, unfinished run of that namespace, name (and UID, when labelled) holds the grant.</summary>
    private async Task<bool> IsStaleAsync(string ns, string runName, string? uid, CancellationToken cancellationToken)
    {
        // Read from the API, not a cache: a grant is only ever made for a run that exists.
        var run = await clients.Runs.GetAsync(ns, runName, cancellationToken).ConfigureAwait(false);
        return run is null
            || (uid is { Length: > 0 } && run.Metadata.Uid != uid)
            || AgentRunReconciler.IsTerminal(run.Status?.Phase);
    }

    private static partial class Log
    {
        [LoggerMessage(4030, LogLevel.Information, "Deleted {Grant}: a cluster-wide grant of AgentRun {Run}, which no longer exists or has finished")]
        public static partial void Swept(ILogger logger, string grant, string run);

        [LoggerMessage(4031, LogLevel.Warning, "Sweeping cluster-wide run grants failed, retrying later: {Reason}")]
        public static partial void SweepFailed(ILogger logger, string reason);
    }
}
