using System.Text.Json;
using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Api.Validation;
using Sympozium.Api.WellKnown;
using Sympozium.Controller.Builders;
using Sympozium.Kubernetes.Client;
using Sympozium.Kubernetes.Reconcile;

namespace Sympozium.Controller.Reconcilers;

public sealed partial class AgentRunReconciler
{
    /// <summary>How long the controller lets the postRun Job outlive its deadline before ending it itself.</summary>
    private static readonly TimeSpan PostRunGrace = TimeSpan.FromSeconds(30);

    private const string BlockedByPolicy = "Response blocked by policy";
    private const string BlockedWithoutVerdict = "Response blocked: gate hook did not return a verdict";

    /// <summary>How the agent ended, before postRun hooks and the gate.</summary>
    private sealed record AgentEnd(bool Succeeded, string? Result, TokenUsage? Usage, string? FailureReason, string? Error)
    {
        public static AgentEnd Success(string? result, TokenUsage? usage) => new(true, result, usage, null, null);

        public static AgentEnd Failure(string reason, string error) => new(false, null, null, reason, error);
    }

    private static bool HasPostRunHooks(AgentRun run) => run.Spec.Lifecycle?.PostRun is { Count: > 0 };

    private static bool IsGated(AgentRun run) => run.Spec.Lifecycle?.PostRun?.Any(h => h.Gate == true) == true;

    /// <summary>Records the agent's end: straight to Succeeded/Failed, or through the postRun hooks first.</summary>
    private async Task<ReconcileResult> ConcludeAgentAsync(AgentRun run, AgentEnd end, CancellationToken cancellationToken)
    {
        if (!HasPostRunHooks(run))
        {
            return end.Succeeded
                ? await SucceedAsync(run, end.Result, end.Usage, cancellationToken).ConfigureAwait(false)
                : await FailAsync(run, end.FailureReason!, end.Error!, cancellationToken).ConfigureAwait(false);
        }

        // The outcome is stored first; the hooks see it in AGENT_EXIT_CODE and AGENT_RESULT.
        var status = run.Status!;
        status.ExitCode = end.Succeeded ? 0 : status.ExitCode is { } code and not 0 ? code : 1;
        status.Result = end.Succeeded ? Capped(end.Result ?? "", AgentRunStatus.MaxResultLength) : null;
        status.Error = end.Succeeded ? null : Capped(end.Error ?? "", AgentRunStatus.MaxErrorLength);
        status.TokenUsage = end.Usage;
        if (!end.Succeeded)
        {
            SetCondition(status, Conditions.Failed, "False", end.FailureReason!, "the agent failed; postRun hooks run before the run is marked Failed");
        }

        var serviceAccount = run.Spec.Lifecycle?.Rbac is { Count: > 0 } ? AgentPodBuilder.RunServiceAccountName(run) : null;
        var job = PostRunJobBuilder.Build(run, status.ExitCode.Value, end.Succeeded ? end.Result ?? "" : end.Error ?? "", serviceAccount, _options.Images, _options.JobTtlSeconds);
        await CreateIfAbsent.CreateAsync(_clients.Jobs, run.Metadata.Namespace, job, cancellationToken).ConfigureAwait(false);
        status.Phase = AgentRunPhases.PostRunning;
        status.PostRunJobName = job.Metadata.Name;
        await WriteStatusAsync(run, cancellationToken).ConfigureAwait(false);
        return ReconcileResult.RequeueAfter(Poll);
    }

    /// <summary>Follows the postRun Job on its own clock (from its creation, not the agent's start).</summary>
    private async Task<ReconcileResult> PostRunningAsync(AgentRun run, CancellationToken cancellationToken)
    {
        var ns = run.Metadata.Namespace!;
        var status = run.Status!;
        if (status.PostRunJobName is not { Length: > 0 } jobName)
        {
            return await FailAsync(run, "PostRunFailed", "status.postRunJobName is missing: the postRun Job cannot be followed", cancellationToken).ConfigureAwait(false);
        }

        // A postRun Job missing from the cache (just created) is confirmed live before it counts as deleted.
        var job = await _read.Jobs.GetAsync(ns, jobName, cancellationToken).ConfigureAwait(false)
            ?? await _clients.Jobs.GetAsync(ns, jobName, cancellationToken).ConfigureAwait(false);
        var gated = IsGated(run);
        if (job is null)
        {
            SetCondition(status, Conditions.PostRunFailed, "True", "JobNotFound", $"postRun Job {jobName} was deleted before it finished");
            return await EndPostRunAsync(run, gated, hookFailed: true, cancellationToken).ConfigureAwait(false);
        }

        if (gated && run.Metadata.Annotations?.ContainsKey(Annotations.GateVerdict) == true)
        {
            // The gate answered: the remaining hooks are not waited for.
            await _clients.Jobs.DeleteAsync(ns, jobName, "Background", cancellationToken).ConfigureAwait(false);
            return await EndPostRunAsync(run, gated, hookFailed: false, cancellationToken).ConfigureAwait(false);
        }

        if (JobOutcome(job) is { } succeeded)
        {
            if (!succeeded)
            {
                var failure = job.Status?.Conditions?.FirstOrDefault(c => c.Type == "Failed" && c.Status == "True");
                SetCondition(status, Conditions.PostRunFailed, "True", failure?.Reason is { Length: > 0 } r ? r : "HookFailed", failure?.Message is { Length: > 0 } m ? m : $"postRun Job {jobName} failed");
            }

            return await EndPostRunAsync(run, gated, hookFailed: !succeeded, cancellationToken).ConfigureAwait(false);
        }

        var deadline = (job.Metadata.CreationTimestamp is { } created ? new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc)) : Now)
            + PostRunJobBuilder.Budget(run) + PostRunGrace;
        if (Now > deadline)
        {
            await _clients.Jobs.DeleteAsync(ns, jobName, "Background", cancellationToken).ConfigureAwait(false);
            SetCondition(status, Conditions.PostRunFailed, "True", "DeadlineExceeded", $"postRun hooks did not finish within their budget of {GoDuration.Format(PostRunJobBuilder.Budget(run))}");
            return await EndPostRunAsync(run, gated, hookFailed: true, cancellationToken).ConfigureAwait(false);
        }

        var remaining = deadline - Now;
        return ReconcileResult.RequeueAfter(remaining < TimeSpan.FromSeconds(30) ? remaining + TimeSpan.FromMilliseconds(200) : TimeSpan.FromSeconds(30));
    }

    /// <summary>The stored agent outcome becomes final, through the gate when there is one. A hook failure never changes the outcome by itself.</summary>
    private async Task<ReconcileResult> EndPostRunAsync(AgentRun run, bool gated, bool hookFailed, CancellationToken cancellationToken)
    {
        var status = run.Status!;
        var agentSucceeded = status.ExitCode == 0;
        var result = status.Result;
        if (gated)
        {
            // The verdict is read fresh: the hook wrote it after this reconcile's read at the earliest.
            var fresh = await _clients.Runs.GetAsync(run.Metadata.Namespace, run.Metadata.Name!, cancellationToken).ConfigureAwait(false);
            var (verdict, gatedResult) = ResolveGate(fresh?.Metadata.Annotations?.GetValueOrDefault(Annotations.GateVerdict), run.Spec.Lifecycle?.GateDefault, hookFailed, result);
            status.GateVerdict = verdict;
            result = gatedResult;

            // The ipc-bridge held back agent.run.completed for the gate: publish the real outcome now.
            if (_events is not null)
            {
                if (!_events.IsAvailable)
                {
                    throw new InvalidOperationException($"AgentRun {Describe(run)}: the gate is resolved ({verdict}) but the event bus is not connected to announce it; retrying");
                }

                await _events.PublishCompletedAsync(run, agentSucceeded, agentSucceeded ? result : null, agentSucceeded ? null : status.Error, cancellationToken).ConfigureAwait(false);
            }
        }

        if (agentSucceeded)
        {
            return await SucceedAsync(run, result, status.TokenUsage, cancellationToken).ConfigureAwait(false);
        }

        var reason = status.Conditions?.FirstOrDefault(c => c.Type == Conditions.Failed)?.Reason is { Length: > 0 } r ? r : "AgentFailed";
        return await FailAsync(run, reason, status.Error ?? "the agent failed", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The gate verdict (docs/design/agent-runs.md#postrun-hooks-and-the-gate): the annotation's
    /// JSON <c>{"action": approve|reject|rewrite, "response": …}</c>; without a valid one,
    /// <c>gateDefault</c> decides (block unless <c>allow</c>).
    /// </summary>
    internal static (string Verdict, string? Result) ResolveGate(string? annotation, string? gateDefault, bool hookFailed, string? result)
    {
        string? action = null;
        string? response = null;
        if (!string.IsNullOrWhiteSpace(annotation))
        {
            try
            {
                using var document = JsonDocument.Parse(annotation);
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    action = document.RootElement.TryGetProperty("action", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
                    response = document.RootElement.TryGetProperty("response", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
                }
            }
            catch (JsonException)
            {
                // Not JSON: no verdict.
            }
        }

        switch (action)
        {
            case "approve":
                return ("approved", result);
            case "reject":
                return ("rejected", string.IsNullOrEmpty(response) ? BlockedByPolicy : response);
            case "rewrite" when response is not null:
                return ("rewritten", response);
        }

        return gateDefault == "allow"
            ? ("allowed-by-default", result)
            : (hookFailed ? "error" : "timeout", BlockedWithoutVerdict);
    }
}
