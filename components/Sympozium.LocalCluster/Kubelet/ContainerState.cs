using System.Text.Json.Nodes;

namespace Sympozium.LocalCluster.Kubelet;

/// <summary>The kubelet's view of one container: its state as containerStatuses reports it.</summary>
internal sealed class ContainerState(JsonObject spec, bool isInit)
{
    public JsonObject Spec { get; } = spec;

    public string Name => Spec["name"]?.ToString() ?? "";

    public bool IsInit { get; } = isInit;

    /// <summary>A native sidecar: an init container with restartPolicy Always.</summary>
    public bool IsSidecar => IsInit && Spec["restartPolicy"]?.ToString() == "Always";

    public string Kind { get; set; } = "waiting";

    public string? Reason { get; set; } = "ContainerCreating";

    public string? Message { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    public int ExitCode { get; set; }

    public int RestartCount { get; set; }

    public bool Ready { get; set; }

    private TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Running and past its startup probe (if any).</summary>
    public bool Started
    {
        get => _started.Task.IsCompleted;
        set
        {
            if (value)
            {
                _started.TrySetResult();
            }
            else if (_started.Task.IsCompleted)
            {
                _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Completes when the container is <see cref="Started"/> (a native sidecar's successors wait on it, no polling).</summary>
    public Task WhenStarted => _started.Task;

    public JsonObject? LastTerminated { get; set; }

    public int? Pid { get; set; }

    public bool Running => Kind == "running";

    public void Waiting(string reason, string? message = null)
    {
        Kind = "waiting";
        Reason = reason;
        Message = message;
        Ready = false;
        Started = false;
    }

    public void Run(int pid)
    {
        Kind = "running";
        Reason = null;
        Message = null;
        Pid = pid;
        StartedAt = DateTimeOffset.UtcNow;
        FinishedAt = null;
        Ready = false;
    }

    public void Terminate(int exitCode, string reason, string? message)
    {
        if (Kind == "terminated")
        {
            LastTerminated = StateJson();
        }

        Kind = "terminated";
        ExitCode = exitCode;
        Reason = reason;
        Message = message;
        FinishedAt = DateTimeOffset.UtcNow;
        Ready = false;
        Started = false;
        Pid = null;
    }

    /// <summary>Before a restart: the terminated state becomes lastState.</summary>
    public void Restarting(string reason, string message)
    {
        if (Kind == "terminated")
        {
            LastTerminated = StateJson();
        }

        RestartCount++;
        Waiting(reason, message);
    }

    private JsonObject StateJson()
    {
        var state = new JsonObject();
        switch (Kind)
        {
            case "running":
                state["running"] = new JsonObject { ["startedAt"] = Time(StartedAt) };
                break;
            case "terminated":
                var terminated = new JsonObject { ["exitCode"] = ExitCode, ["reason"] = Reason };
                if (Message is not null)
                {
                    terminated["message"] = Message;
                }

                if (StartedAt is not null)
                {
                    terminated["startedAt"] = Time(StartedAt);
                }

                terminated["finishedAt"] = Time(FinishedAt);
                state["terminated"] = terminated;
                break;
            default:
                var waiting = new JsonObject { ["reason"] = Reason };
                if (Message is not null)
                {
                    waiting["message"] = Message;
                }

                state["waiting"] = waiting;
                break;
        }

        return state;
    }

    public JsonObject ToJson()
    {
        var status = new JsonObject
        {
            ["name"] = Name,
            ["image"] = Spec["image"]?.ToString(),
            ["imageID"] = "",
            ["state"] = StateJson(),
            ["lastState"] = LastTerminated?.DeepClone() ?? new JsonObject(),
            ["ready"] = Ready,
            ["restartCount"] = RestartCount,
            ["started"] = Running && Started,
        };
        if (Pid is { } pid)
        {
            status["containerID"] = $"local://{pid}";
        }

        return status;
    }

    internal static string? Time(DateTimeOffset? time) =>
        time?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
