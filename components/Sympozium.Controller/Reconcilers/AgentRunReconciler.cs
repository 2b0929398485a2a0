using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Sympozium.Api.Kinds;
using Sympozium.Api.Meta;
using Sympozium.Api.Validation;
using Sympozium.Api.WellKnown;
using Sympozium.Controller.Runs;
using Sympozium.Kubernetes;
using Sympozium.Kubernetes.Client;
using Sympozium.Kubernetes.Reconcile;

namespace Sympozium.Controller.Reconcilers;

/// <summary>
/// AgentRun → agent Job → result (control-plane.md §2.1 and §3, with the §12 defects fixed).
/// Phases: Pending (wait for the instance, policy, concurrency slot and memory server; persist the
/// effective spec; create RBAC and the Job) → Running (follow the Job and the agent container;
/// enforce the one timeout) → Succeeded/Failed (record the whole-log result and memory, publish
/// <c>agent.run.failed</c>, revoke RBAC, release the finalizer, prune history).
/// </summary>
/// <remarks>
/// Every status write carries the resourceVersion that was read, so two controllers (or a
/// controller restarted mid-reconcile) cannot both record an outcome: the second write conflicts
/// and its retry sees the terminal phase.
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
    private readonly Func<string, string, CancellationToken, Task<IReadOnlyList<AgentRun>>> _instanceRuns;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _instanceLocks = new(StringComparer.Ordinal);

    /// <param name="instanceRuns">
    /// Runs labelled with an instance (namespace, instance) for history pruning; the manager passes
    /// its informer cache, by default the API is listed.
    /// </param>
    public AgentRunReconciler(
        Clients clients,
        ControllerOptions options,
        IRunEvents? events,
        ILogger logger,
        TimeProvider? time = null,
        Func<string, string, CancellationToken, Task<IReadOnlyList<AgentRun>>>? instanceRuns = null)
    {
        _clients = clients;
        _options = options;
        _events = events;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _instanceRuns = instanceRuns ?? ListInstanceRunsAsync;
    }

    private DateTimeOffset Now => _time.GetUtcNow();

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var run = await _clients.Runs.GetAsync(key.Namespace, key.Name, cancellationToken).ConfigureAwait(false);
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
            run.Status ??= new AgentRunStatus();
        }

        switch (phase)
        {
            case null or "" or "Pending":
                return await PendingAsync(run, cancellationToken).ConfigureAwait(false);
            case "Running":
                return await RunningAsync(run, cancellationToken).ConfigureAwait(false);
            case "PostRunning":
                return await PostRunningAsync(run, cancellationToken).ConfigureAwait(false);
            case "Serving":
                return await ServingAsync(run, cancellationToken).ConfigureAwait(false);
            case "Succeeded" or "Failed":
                return await CompletedAsync(run, cancellationToken).ConfigureAwait(false);
            default:
                Log.PhaseIgnored(_logger, Describe(run), phase);
                return ReconcileResult.Done;
        }
    }

    public static bool IsTerminal(string? phase) => phase is "Succeeded" or "Failed";

    // ---------------------------------------------------------------- Pending

    private async Task<ReconcileResult> PendingAsync(AgentRun run, CancellationToken cancellationToken)
    {
        var ns = run.Metadata.Namespace!;
        var age = Now - (run.Metadata.CreationTimestamp ?? Now);

        var instance = await _clients.Instances.GetAsync(ns, run.Spec.InstanceRef, cancellationToken).ConfigureAwait(false);
        var timeout = RunPlanner.EffectiveTimeout(run, instance);
        if (instance is null)
        {
            return await WaitOrFailAsync(
                run,
                "InstanceNotFound",
                $"SympoziumInstance \"{run.Spec.InstanceRef}\" (spec.instanceRef) does not exist in namespace {ns}; the run starts when it is created",
                $"SympoziumInstance \"{run.Spec.InstanceRef}\" (spec.instanceRef) did not appear in namespace {ns} within the run timeout {GoDuration.Format(timeout)}",
                age > timeout,
                cancellationToken).ConfigureAwait(false);
        }

        SympoziumPolicy? policy = null;
        if (instance.Spec.PolicyRef is { Length: > 0 } policyName)
        {
            policy = await _clients.Policies.GetAsync(ns, policyName, cancellationToken).ConfigureAwait(false);
            if (policy is null)
            {
                return await WaitOrFailAsync(
                    run,
                    "PolicyNotFound",
                    $"SympoziumPolicy \"{policyName}\" named by instance {run.Spec.InstanceRef} (spec.policyRef) does not exist in namespace {ns}; the run starts when it is created",
                    $"SympoziumPolicy \"{policyName}\" named by instance {run.Spec.InstanceRef} (spec.policyRef) did not appear within the run timeout {GoDuration.Format(timeout)}",
                    age > timeout,
                    cancellationToken).ConfigureAwait(false);
            }
        }

        if (ConcurrencyGate.CheckDepth(run, policy?.Spec.SubagentPolicy?.MaxDepth) is { } depthError)
        {
            return await FailAsync(run, "PolicyViolation", $"policy {policy!.Metadata.Name}: {depthError}", cancellationToken).ConfigureAwait(false);
        }

        if (Unsupported(run) is { } unsupported)
        {
            return await FailAsync(run, "Unsupported", unsupported, cancellationToken).ConfigureAwait(false);
        }

        // Persist what the run inherits before anything is created from it (§12 #1).
        var plan = RunPlanner.Plan(run, instance);
        var planned = plan.Run;
        var changed = plan.Changed;
        if (planned.Metadata.Labels?.GetValueOrDefault(Labels.Instance) != run.Spec.InstanceRef)
        {
            // Concurrency limits and history pruning select runs by this label.
            planned.Metadata.Labels ??= [];
            planned.Metadata.Labels[Labels.Instance] = run.Spec.InstanceRef;
            changed = true;
        }

        if (changed)
        {
            await _clients.Runs.ReplaceAsync(ns, run.Metadata.Name!, planned, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Requeue;
        }

        var maxConcurrent = policy?.Spec.SubagentPolicy?.MaxConcurrent;
        if (maxConcurrent is not > 0)
        {
            return await StartAsync(run, instance, plan.Timeout, age, cancellationToken).ConfigureAwait(false);
        }

        // One decision at a time per instance, on a fresh list, so two workers never overfill it.
        var gate = _instanceLocks.GetOrAdd($"{ns}/{run.Spec.InstanceRef}", _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var runs = await _clients.Runs.ListAsync(ns, $"{Labels.Instance}={run.Spec.InstanceRef}", cancellationToken: cancellationToken).ConfigureAwait(false);
            var decision = ConcurrencyGate.Decide(run, runs.Items.Where(r => r.Metadata.DeletionTimestamp is null), maxConcurrent);
            if (!decision.MayStart)
            {
                await SetWaitingAsync(run, "ConcurrencyLimit", $"policy {policy!.Metadata.Name} (spec.subagentPolicy.maxConcurrent): {decision.WaitReason}", cancellationToken).ConfigureAwait(false);
                return ReconcileResult.RequeueAfter(Poll * 2);
            }

            return await StartAsync(run, instance, plan.Timeout, age, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Features this controller does not run yet, named with the field so the user knows what to change.</summary>
    private static string? Unsupported(AgentRun run)
    {
        if (run.Spec.AgentSandbox?.Enabled == true)
        {
            return "spec.agentSandbox.enabled: the agent-sandbox (agents.x-k8s.io) backend is not supported by this controller; use spec.sandbox for an isolated sandbox container";
        }

        if (run.Spec.Lifecycle?.PreRun?.FirstOrDefault(h => h.Gate == true) is { } gate)
        {
            return $"gate hook validation failed: spec.lifecycle.preRun[{gate.Name}].gate: only a postRun hook can gate a response";
        }

        if (run.Spec.Lifecycle?.PostRun?.Where(h => h.Gate == true).Select(h => h.Name).ToList() is { Count: > 1 } gates)
        {
            return $"gate hook validation failed: spec.lifecycle.postRun: at most one hook may set gate: true (found {string.Join(", ", gates)})";
        }

        return null;
    }

    private async Task<ReconcileResult> WaitOrFailAsync(AgentRun run, string reason, string waitMessage, string failMessage, bool expired, CancellationToken cancellationToken)
    {
        if (expired)
        {
            return await FailAsync(run, reason, failMessage, cancellationToken).ConfigureAwait(false);
        }

        await SetWaitingAsync(run, reason, waitMessage, cancellationToken).ConfigureAwait(false);
        return ReconcileResult.RequeueAfter(Poll);
    }

    // ---------------------------------------------------------------- status writes

    /// <summary>Sets the Waiting condition (only when it changes, so a waiting run does not spin).</summary>
    private async Task SetWaitingAsync(AgentRun run, string reason, string message, CancellationToken cancellationToken)
    {
        var status = run.Status!;
        if (status.Phase is "Running" || IsTerminal(status.Phase) || !SetCondition(status, Conditions.Waiting, "True", reason, message))
        {
            return;
        }

        status.Phase = "Pending";
        await WriteStatusAsync(run, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ReconcileResult> FailAsync(AgentRun run, string reason, string message, CancellationToken cancellationToken)
    {
        var status = run.Status!;
        status.Phase = "Failed";
        status.CompletedAt = Now;
        status.Error = message;
        SetCondition(status, Conditions.Waiting, "False", "Finished", "the run has finished");
        SetCondition(status, Conditions.Failed, "True", reason, Truncate(message, 32_000));
        await WriteStatusAsync(run, cancellationToken).ConfigureAwait(false);
        Log.RunFailed(_logger, Describe(run), reason, message);
        return ReconcileResult.Requeue;
    }

    private async Task<ReconcileResult> SucceedAsync(AgentRun run, string? result, TokenUsage? usage, CancellationToken cancellationToken)
    {
        var status = run.Status!;
        status.Phase = "Succeeded";
        status.CompletedAt = Now;
        status.Result = result ?? "";
        status.TokenUsage = usage;
        status.Error = null;
        SetCondition(status, Conditions.Complete, "True", "Succeeded", "the agent finished successfully");
        await WriteStatusAsync(run, cancellationToken).ConfigureAwait(false);
        Log.RunSucceeded(_logger, Describe(run));
        return ReconcileResult.Requeue;
    }

    /// <summary>Writes the status with the resourceVersion that was read (a concurrent writer makes this a conflict).</summary>
    private async Task WriteStatusAsync(AgentRun run, CancellationToken cancellationToken)
    {
        try
        {
            var written = await _clients.Runs.ReplaceStatusAsync(run.Metadata.Namespace, run.Metadata.Name!, run, cancellationToken).ConfigureAwait(false);
            run.Metadata.ResourceVersion = written.Metadata.ResourceVersion;
        }
        catch (KubernetesApiException e) when (e.StatusCode is HttpStatusCode.UnprocessableEntity or HttpStatusCode.BadRequest)
        {
            // The API rejects this status (too large, invalid): retrying cannot help.
            throw new TerminalReconcileException($"the API server rejected the status of AgentRun {Describe(run)}: {e.Message}", e);
        }
    }

    /// <summary>Sets a condition; false when it already had this status, reason and message.</summary>
    private bool SetCondition(AgentRunStatus status, string type, string value, string reason, string message)
    {
        status.Conditions ??= [];
        var existing = status.Conditions.FirstOrDefault(c => c.Type == type);
        if (existing is null)
        {
            if (value == "False" && type == Conditions.Waiting)
            {
                return false;
            }

            status.Conditions.Add(new Condition { Type = type, Status = value, Reason = reason, Message = message, LastTransitionTime = Now });
            return true;
        }

        if (existing.Status == value && existing.Reason == reason && existing.Message == message)
        {
            return false;
        }

        if (existing.Status != value)
        {
            existing.LastTransitionTime = Now;
        }

        (existing.Status, existing.Reason, existing.Message) = (value, reason, message);
        return true;
    }

    private static bool HasCondition(AgentRun run, string type) =>
        run.Status?.Conditions?.Any(c => c.Type == type && c.Status == "True") == true;

    // ---------------------------------------------------------------- helpers

    private async Task<IReadOnlyList<AgentRun>> ListInstanceRunsAsync(string ns, string instance, CancellationToken cancellationToken) =>
        (await _clients.Runs.ListAsync(ns, $"{Labels.Instance}={instance}", cancellationToken: cancellationToken).ConfigureAwait(false)).Items;

    private static string Describe(AgentRun run) => $"{run.Metadata.Namespace}/{run.Metadata.Name}";

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max] + "…";

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
