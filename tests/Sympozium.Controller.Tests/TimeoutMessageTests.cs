using k8s.Models;
using Sympozium.Controller.Reconcilers;

namespace Sympozium.Controller.Tests;

/// <summary>A run that times out says what its pod was doing (docs/design/agent-runs.md#running-and-completion).</summary>
public class TimeoutMessageTests
{
    private static V1Pod Pod(params V1ContainerStatus[] statuses) => new()
    {
        Metadata = new V1ObjectMeta { Name = "r1-abcde" },
        Status = new V1PodStatus { Phase = "Pending", ContainerStatuses = statuses },
    };

    [Fact]
    public void A_run_stuck_pulling_its_image_times_out_with_the_pull_error()
    {
        var pod = Pod(new V1ContainerStatus
        {
            Name = "agent",
            State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "ImagePullBackOff", Message = "Back-off pulling image \"ghcr.io/x/agent-runner:typo\"" } },
        });

        Assert.Equal("; pod r1-abcde: container agent: ImagePullBackOff: Back-off pulling image \"ghcr.io/x/agent-runner:typo\"", AgentRunReconciler.PodState(pod));
    }

    [Fact]
    public void A_run_whose_pod_is_still_being_created_or_has_none_says_so()
    {
        var creating = Pod(new V1ContainerStatus { Name = "agent", State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "ContainerCreating" } } });

        Assert.Equal("; pod r1-abcde: container agent: ContainerCreating", AgentRunReconciler.PodState(creating));
        Assert.Equal("; the Job had no pod", AgentRunReconciler.PodState(null));
    }

    [Fact]
    public void The_agents_own_report_is_never_read_as_a_failure_reason()
    {
        var pod = Pod(new V1ContainerStatus
        {
            Name = "agent",
            State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 1, Reason = "Error", Message = """{"status":"error","resultSha256":"00"}""" } },
        });

        Assert.Equal("; pod r1-abcde: container agent: Error", AgentRunReconciler.PodState(pod));
    }
}
