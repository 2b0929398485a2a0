namespace Sympozium.Bench.MessageLatency;

/// <summary>
/// When one chat message passed each step, on the benchmark's clock: sent to the fake Telegram
/// API, its AgentRun / Job / running agent container / finished run first seen by the poller, the
/// reply received by the fake. Cluster timestamps have whole seconds only, hence the poller.
/// </summary>
public sealed class MessageTimeline(long chatId, DateTimeOffset sent)
{
    public long ChatId { get; } = chatId;

    public DateTimeOffset Sent { get; } = sent;

    public string? RunName { get; set; }

    public DateTimeOffset? RunSeen { get; set; }

    public DateTimeOffset? JobSeen { get; set; }

    public DateTimeOffset? AgentRunning { get; set; }

    public DateTimeOffset? RunDone { get; set; }

    public DateTimeOffset? Replied { get; set; }

    /// <summary>The steps in order, as (metric name, milliseconds); null where a step was not seen.</summary>
    public IEnumerable<(string Name, double? Ms)> Steps()
    {
        yield return ("channel_to_agentrun_created", Ms(Sent, RunSeen));
        yield return ("agentrun_to_job_created", Ms(RunSeen, JobSeen));
        yield return ("job_to_agent_process_started", Ms(JobSeen, AgentRunning));
        yield return ("agent_started_to_run_succeeded", Ms(AgentRunning, RunDone));
        yield return ("run_succeeded_to_reply", Ms(RunDone, Replied));
        yield return ("message_to_reply", Ms(Sent, Replied));
    }

    private static double? Ms(DateTimeOffset? from, DateTimeOffset? to) => from is { } f && to is { } t ? (t - f).TotalMilliseconds : null;
}
