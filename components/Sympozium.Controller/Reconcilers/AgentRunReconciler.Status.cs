using System.Net;
using Sympozium.Api.Kinds;
using Sympozium.Api.Meta;
using Sympozium.Kubernetes.Client;
using Sympozium.Kubernetes.Reconcile;

namespace Sympozium.Controller.Reconcilers;

// Status writes: every write carries the resourceVersion that was read, so a second controller
// (or one restarted mid-reconcile) conflicts instead of recording a second outcome.
public sealed partial class AgentRunReconciler
{
    /// <summary>
    /// After the terminal status is written, the finished-run steps (revoke, finalizer, prune) come
    /// next: the write's own watch event starts them, this delay is the fallback. Not a
    /// <see cref="ReconcileResult.Requeue"/>, whose retry budget (10/s) would cap how fast a burst
    /// of runs can finish.
    /// </summary>
    private static readonly ReconcileResult Finished = ReconcileResult.RequeueAfter(TimeSpan.FromMilliseconds(500));

    /// <summary>Sets the Waiting condition (only when it changes, so a waiting run does not spin).</summary>
    private async Task SetWaitingAsync(AgentRun run, string reason, string message, CancellationToken cancellationToken)
    {
        var status = run.Status!;
        if (status.Phase is AgentRunPhases.Running || IsTerminal(status.Phase) || !SetCondition(status, Conditions.Waiting, "True", reason, message))
        {
            return;
        }

        status.Phase = AgentRunPhases.Pending;
        await WriteStatusAsync(run, cancellationToken).ConfigureAwait(false);
    }

    private async Task<ReconcileResult> FailAsync(AgentRun run, string reason, string message, CancellationToken cancellationToken)
    {
        var status = run.Status!;
        status.Phase = AgentRunPhases.Failed;
        status.CompletedAt = Now;
        status.Error = Capped(message, AgentRunStatus.MaxErrorLength);
        SetCondition(status, Conditions.Waiting, "False", "Finished", "the run has finished");
        SetCondition(status, Conditions.Failed, "True", reason, status.Error);
        await WriteStatusAsync(run, cancellationToken).ConfigureAwait(false);
        Log.RunFailed(_logger, Describe(run), reason, message);
        return Finished;
    }

    private async Task<ReconcileResult> SucceedAsync(AgentRun run, string? result, TokenUsage? usage, CancellationToken cancellationToken)
    {
        var status = run.Status!;
        status.Phase = AgentRunPhases.Succeeded;
        status.CompletedAt = Now;
        status.Result = Capped(result ?? "", AgentRunStatus.MaxResultLength);
        status.TokenUsage = usage;
        status.Error = null;
        SetCondition(status, Conditions.Complete, "True", "Succeeded", "the agent finished successfully");
        await WriteStatusAsync(run, cancellationToken).ConfigureAwait(false);
        Log.RunSucceeded(_logger, Describe(run));
        return Finished;
    }

    /// <summary>
    /// <paramref name="text"/> cut to at most <paramref name="max"/> characters, ending with a note
    /// that says so (docs/design/agent-runs.md#results-and-memory); a status must stay far below the
    /// API server's object size limit, and the whole text stays in the agent's log and result file.
    /// </summary>
    internal static string Capped(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }

        var note = $"\n[truncated by sympozium-controller: {text.Length} characters, the first {{0}} are shown]";
        var keep = max - string.Format(System.Globalization.CultureInfo.InvariantCulture, note, max).Length;
        if (keep > 0 && char.IsHighSurrogate(text[keep - 1]))
        {
            keep--;
        }

        return text[..keep] + string.Format(System.Globalization.CultureInfo.InvariantCulture, note, keep);
    }

    /// <summary>Writes the status with the resourceVersion that was read (a concurrent writer makes this a conflict).</summary>
    private async Task WriteStatusAsync(AgentRun run, CancellationToken cancellationToken)
    {
        try
        {
            var written = await _clients.Runs.ReplaceStatusAsync(run.Metadata.Namespace, run.Metadata.Name!, run, cancellationToken).ConfigureAwait(false);
            run.Metadata.ResourceVersion = written.Metadata.ResourceVersion;
            _read.Runs.Wrote(written);
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
}
