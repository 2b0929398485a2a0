using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;
using Sympozium.Controller.Runs;
using Sympozium.Kubernetes;
using Sympozium.Kubernetes.Client;
using Sympozium.Kubernetes.Reconcile;

namespace Sympozium.Controller.Reconcilers;

/// <summary>
/// AgentRun → agent Job → result (docs/design/agent-runs.md, with the defects of upstream-fixes.md fixed).
/// Phases: Pending (wait for the instance, policy, concurrency slot and memory server; persist the
/// effective spec; create RBAC and the Job) → Running (follow the Job and the agent container;
/// enforce the one timeout) → Succeeded/Failed (record the whole-log result and memory, publish
/// <c>agent.run.failed</c>, revoke RBAC, release the finalizer, prune history).
/// </summary>
/// <remarks>
/// Every status write carries the resourceVersion that was read, so two controllers (or a
/// controller restarted mid-reconcile) cannot both record an outcome: the second write conflicts
/// and its retry sees the terminal phase. One partial file per concern: Pending, Start, Rbac,
/// Running, Results, PostRun, Serving, Completed (finished and deleted runs) and Status (the writes).
/// </remarks>
public sealed partial class AgentRunReconciler : IReconciler<ObjectKey>
{
    public const string AgentContainer = "agent";

    /// <summary>Condition types this reconciler writes.</summary>
    public static class Conditions
    {
        /// <summary>True while a Pending run waits (reason InstanceNotFound, PolicyNotFound, ConcurrencyLimit, MemoryServerNotReady).</summary>
        public const string Waiting = "Waiting";

        /// <summary>True once the run succeeded.</summary>
        public const string Complete = "Complete";

        /// <summary>True once the run failed; the reason says why (DeadlineExceeded, AgentFailed, …).</summary>
        public const string Failed = "Failed";

        /// <summary>True while the run holds skill RBAC; False once it was revoked.</summary>
        public const string RbacGranted = "RbacGranted";

        /// <summary>True when the postRun hooks failed or ran out of time (the run's outcome is unchanged).</summary>
        public const string PostRunFailed = "PostRunFailed";

        /// <summary>True once <c>agent.run.failed</c> was accepted by the event bus.</summary>
        public const string FailureEventPublished = "FailureEventPublished";

        /// <summary>A succeeded channel run's completion was published from its recorded status.</summary>
        public const string CompletionEventPublished = "CompletionEventPublished";
    }

    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MemoryServerWait = TimeSpan.FromSeconds(120);

    /// <summary>How long the Job may keep running after the agent container ended before the controller ends it.</summary>
    private static readonly TimeSpan SidecarGrace = TimeSpan.FromSeconds(15);

    private readonly Clients _clients;
    private readonly ControllerOptions _options;
    private readonly IRunEvents? _events;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ClusterReader _read;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _instanceLocks = new(StringComparer.Ordinal);

    /// <summary>Namespaces whose shared agent ServiceAccount was seen or created, and when.</summary>
    private readonly ConcurrentDictionary<string, DateTimeOffset> _agentAccounts = new(StringComparer.Ordinal);

    private static readonly TimeSpan AgentAccountRecheck = TimeSpan.FromSeconds(10);

    /// <param name="reader">
    /// Where runs, instances, policies, SkillPacks, Jobs, pods and Deployments are read: the
    /// manager passes its informer caches; by default every read is live.
    /// </param>
    public AgentRunReconciler(
        Clients clients,
        ControllerOptions options,
        IRunEvents? events,
        ILogger logger,
        TimeProvider? time = null,
        ClusterReader? reader = null)
    {
        _clients = clients;
        _options = options;
        _events = events;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _read = reader ?? ClusterReader.Live(clients);
    }

    private DateTimeOffset Now => _time.GetUtcNow();

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var run = await _read.Runs.GetAsync(key.Namespace, key.Name, cancellationToken).ConfigureAwait(false);
        if (run is null)
        {
            return ReconcileResult.Done;
        }

        run.Status ??= new AgentRunStatus();
        if (run.Metadata.DeletionTimestamp is not null)
        {
            return await DeleteAsync(run, cancellationToken).ConfigureAwait(false);
        }

        var phase = run.Status.Phase;
        if (!IsTerminal(phase) && !Finalizer.Has(run, Finalizers.AgentRun))
        {
            run = await Finalizer.AddAsync(_clients.Runs, run, Finalizers.AgentRun, cancellationToken).ConfigureAwait(false);
            _read.Runs.Wrote(run);
            run.Status ??= new AgentRunStatus();
        }

        switch (phase)
        {
            case null or "" or AgentRunPhases.Pending:
                return await PendingAsync(run, cancellationToken).ConfigureAwait(false);
            case AgentRunPhases.Running:
                return await RunningAsync(run, cancellationToken).ConfigureAwait(false);
            case AgentRunPhases.PostRunning:
                return await PostRunningAsync(run, cancellationToken).ConfigureAwait(false);
            case AgentRunPhases.Serving:
                return await ServingAsync(run, cancellationToken).ConfigureAwait(false);
            case AgentRunPhases.Succeeded or AgentRunPhases.Failed:
                return await CompletedAsync(run, cancellationToken).ConfigureAwait(false);
            default:
                Log.PhaseIgnored(_logger, Describe(run), phase);
                return ReconcileResult.Done;
        }
    }

    public static bool IsTerminal(string? phase) => AgentRunPhases.IsTerminal(phase);

    private static string Describe(AgentRun run) => $"{run.Metadata.Namespace}/{run.Metadata.Name}";

    /// <summary>A W3C traceparent continuing the run's <c>otel.dev/traceparent</c> trace, or a new trace.</summary>
    internal static (string TraceParent, string TraceId) NewTrace(AgentRun run)
    {
        var parent = run.Metadata.Annotations?.GetValueOrDefault(Annotations.TraceParent);
        var traceId = parent?.Split('-') is [_, { Length: 32 } id, _, _] && id.Any(c => c != '0') ? id : Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var spanId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        return ($"00-{traceId}-{spanId}-01", traceId);
    }

    private static partial class Log
    {
        [LoggerMessage(4001, LogLevel.Information, "AgentRun {Run}: Job created ({Containers} containers)")]
        public static partial void JobCreated(ILogger logger, string run, int containers);

        [LoggerMessage(4002, LogLevel.Information, "AgentRun {Run} succeeded")]
        public static partial void RunSucceeded(ILogger logger, string run);

        [LoggerMessage(4003, LogLevel.Information, "AgentRun {Run} failed ({Reason}): {Message}")]
        public static partial void RunFailed(ILogger logger, string run, string reason, string message);

        [LoggerMessage(4004, LogLevel.Debug, "AgentRun {Run}: phase {Phase} is not handled by this controller")]
        public static partial void PhaseIgnored(ILogger logger, string run, string? phase);

        [LoggerMessage(4005, LogLevel.Warning, "AgentRun {Run}: MCP server {Server} skipped: {Reason}")]
        public static partial void McpServerSkipped(ILogger logger, string run, string server, string reason);

        [LoggerMessage(4006, LogLevel.Warning, "AgentRun {Run}: agent.run.failed not published yet, retrying: {Reason}")]
        public static partial void PublishFailed(ILogger logger, string run, string reason);

        [LoggerMessage(4007, LogLevel.Information, "AgentRun {Run}: pruned from the history of instance {Instance} (limit {Limit})")]
        public static partial void Pruned(ILogger logger, string run, string instance, int limit);

        [LoggerMessage(4008, LogLevel.Warning, "AgentRun {Run}: could not mirror skill ConfigMap {ConfigMap}: {Reason}")]
        public static partial void MirrorFailed(ILogger logger, string run, string configMap, string reason);
    }
}
