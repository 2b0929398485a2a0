using System.Text.Json.Nodes;
using Sympozium.LocalCluster.Storage;

namespace Sympozium.LocalCluster.Controllers;

/// <summary>
/// batch/v1 Jobs: a pod per attempt from the template (parallelism, completions; 1 each by
/// default), a new pod per failure until backoffLimit is exceeded, activeDeadlineSeconds,
/// suspend, ttlSecondsAfterFinished, status counts, startTime, completionTime and the
/// SuccessCriteriaMet/Complete and FailureTarget/Failed conditions. Simplifications: no retry
/// back-off delay between failed attempts, no Indexed completion mode, no podFailurePolicy;
/// succeeded/failed counts never decrease (pods deleted by hand stay counted).
/// </summary>
internal sealed class JobController(ObjectStore store, TimeProvider time)
{
    public const string Resource = "jobs.batch";
    private const string ControllerUidLabel = "batch.kubernetes.io/controller-uid";
    private const string JobNameLabel = "batch.kubernetes.io/job-name";

    public void Reconcile(ILookup<string, JsonObject> podsByController)
    {
        foreach (var (_, job) in store.All(Resource))
        {
            try
            {
                Sync(job, podsByController[Objects.Uid(job)].ToList());
            }
            catch (StoreException)
            {
                // Conflict with a concurrent writer or gone: the next pass retries.
            }
        }
    }

    private void Sync(JsonObject job, List<JsonObject> pods)
    {
        if (Objects.Deleting(job))
        {
            return;
        }

        if (Default(job))
        {
            return; // the update wakes the next pass
        }

        var now = time.GetUtcNow();
        var stamp = Objects.Timestamp(now);
        var spec = job["spec"]!.AsObject();
        var status = job["status"]?.DeepClone() as JsonObject ?? new JsonObject();
        var active = pods.Where(Objects.Active).ToList();
        if (Objects.ConditionTrue(job, "Complete") || Objects.ConditionTrue(job, "Failed"))
        {
            Finished(job, spec, status, active, now);
            return;
        }

        var suspended = spec["suspend"]?.GetValue<bool>() == true;
        var succeeded = Math.Max(Objects.Long(status["succeeded"], 0), pods.Count(p => Objects.Phase(p) == "Succeeded"));
        var failed = Math.Max(Objects.Long(status["failed"], 0), pods.Count(p => Objects.Phase(p) == "Failed"));
        var completions = Objects.OptionalLong(spec["completions"]);
        var parallelism = Objects.Long(spec["parallelism"], 1);
        var backoffLimit = Objects.Long(spec["backoffLimit"], 6);
        if (!suspended && status["startTime"] is null)
        {
            status["startTime"] = stamp;
        }

        string? failReason = null, failMessage = null;
        if (failed > backoffLimit)
        {
            (failReason, failMessage) = ("BackoffLimitExceeded", "Job has reached the specified backoff limit");
        }
        else if (!suspended && Objects.OptionalLong(spec["activeDeadlineSeconds"]) is { } deadline
            && Objects.ParseTime(status["startTime"]) is { } started && now >= started.AddSeconds(deadline))
        {
            (failReason, failMessage) = ("DeadlineExceeded", "Job was active longer than specified deadline");
        }

        var complete = completions is { } c ? succeeded >= c : succeeded > 0 && active.Count == 0;
        if (failReason is not null)
        {
            DeletePods(active);
            active.Clear();
            Objects.SetCondition(status, "FailureTarget", "True", failReason, failMessage!, stamp);
            Objects.SetCondition(status, "Failed", "True", failReason, failMessage!, stamp);
        }
        else if (complete)
        {
            DeletePods(active);
            active.Clear();
            Objects.SetCondition(status, "SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods", stamp);
            Objects.SetCondition(status, "Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods", stamp);
            status["completionTime"] = stamp;
        }
        else if (suspended)
        {
            DeletePods(active);
            active.Clear();
            Objects.SetCondition(status, "Suspended", "True", "JobSuspended", "Job suspended", stamp);
        }
        else
        {
            if (Objects.ConditionTrue(job, "Suspended"))
            {
                Objects.SetCondition(status, "Suspended", "False", "JobResumed", "Job resumed", stamp);
            }

            var want = completions is { } total ? Math.Min(parallelism, total - succeeded) : succeeded > 0 ? 0 : parallelism;
            for (var i = active.Count; i < want; i++)
            {
                active.Add(store.Create("pods", NewPod(job)));
            }

            if (active.Count > want)
            {
                var extra = active.OrderByDescending(p => ObjectMetadata.ResourceVersion(p)).Take((int)(active.Count - want)).ToList();
                DeletePods(extra);
                active.RemoveAll(extra.Contains);
            }
        }

        SetCount(status, "active", active.Count);
        SetCount(status, "succeeded", succeeded);
        SetCount(status, "failed", failed);
        status["ready"] = active.Count(Objects.Ready);
        status["terminating"] = pods.Count(p => Objects.Deleting(p) && !Objects.Terminal(p));
        WriteStatus(job, status);
    }

    private void Finished(JsonObject job, JsonObject spec, JsonObject status, List<JsonObject> active, DateTimeOffset now)
    {
        DeletePods(active);
        if (Objects.OptionalLong(spec["ttlSecondsAfterFinished"]) is not { } ttl)
        {
            return;
        }

        var finished = Objects.ParseTime(status["completionTime"])
            ?? Objects.ParseTime((Objects.Condition(job, "Complete") ?? Objects.Condition(job, "Failed"))?["lastTransitionTime"]);
        if (finished is { } at && now >= at.AddSeconds(ttl))
        {
            // As the TTL-after-finished controller: foreground, so the Job goes after its pods.
            Deletion.Delete(store, Resource, ObjectMetadata.Namespace(job), ObjectMetadata.Name(job), null, Propagation.Foreground, null);
        }
    }

    /// <summary>The API server's Job defaulting: selector on the controller uid, template labels, counts.</summary>
    private bool Default(JsonObject job)
    {
        var spec = job["spec"] as JsonObject;
        if (spec is null || spec["selector"] is not null || spec["manualSelector"]?.GetValue<bool>() == true)
        {
            return false;
        }

        var copy = job.DeepClone().AsObject();
        spec = copy["spec"]!.AsObject();
        var uid = Objects.Uid(job);
        var name = ObjectMetadata.Name(job);
        spec["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { [ControllerUidLabel] = uid } };
        if (spec["template"] is not JsonObject template)
        {
            template = new JsonObject();
            spec["template"] = template;
        }

        var meta = ObjectMetadata.Meta(template);
        if (meta["labels"] is not JsonObject labels)
        {
            labels = new JsonObject();
            meta["labels"] = labels;
        }

        labels[ControllerUidLabel] = uid;
        labels[JobNameLabel] = name;
        labels["controller-uid"] = uid;
        labels["job-name"] = name;
        if (spec["completions"] is null && spec["parallelism"] is null)
        {
            spec["completions"] = 1;
        }

        spec["parallelism"] ??= 1;
        spec["backoffLimit"] ??= 6;
        spec["completionMode"] ??= "NonIndexed";
        spec["suspend"] ??= false;
        store.Update(Resource, copy, UpdateMode.PreserveStatus);
        return true;
    }

    private static JsonObject NewPod(JsonObject job)
    {
        var template = job["spec"]?["template"];
        var uid = Objects.Uid(job);
        var name = ObjectMetadata.Name(job);
        var labels = Objects.Labels(template);
        labels[ControllerUidLabel] = uid;
        labels[JobNameLabel] = name;
        labels["controller-uid"] = uid;
        labels["job-name"] = name;
        return Objects.PodFromTemplate(template, ObjectMetadata.Namespace(job)!, name + "-", labels,
            Objects.ControllerReference(job, "batch/v1", "Job"));
    }

    private void DeletePods(IEnumerable<JsonObject> pods)
    {
        foreach (var pod in pods)
        {
            try
            {
                Deletion.Delete(store, "pods", ObjectMetadata.Namespace(pod), ObjectMetadata.Name(pod), null, Propagation.Background, null);
            }
            catch (StoreException e) when (e.Kind == StoreErrorKind.NotFound)
            {
            }
        }
    }

    private static void SetCount(JsonObject status, string field, long value)
    {
        if (value > 0)
        {
            status[field] = value;
        }
        else
        {
            status.Remove(field);
        }
    }

    private void WriteStatus(JsonObject job, JsonObject status)
    {
        if (JsonNode.DeepEquals(job["status"], status))
        {
            return;
        }

        var copy = job.DeepClone().AsObject();
        copy["status"] = status;
        store.Update(Resource, copy, UpdateMode.StatusOnly);
    }
}
