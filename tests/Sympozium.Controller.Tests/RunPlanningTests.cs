using Sympozium.Api.Kinds;
using Sympozium.Api.Meta;
using Sympozium.Controller.Runs;

namespace Sympozium.Controller.Tests;

/// <summary>Effective spec persisted before the Job exists, and concurrency queueing (AgentRunRace risks).</summary>
public class RunPlanningTests
{
    private static AgentRun Run(string name = "r1", Action<AgentRun>? change = null)
    {
        var run = new AgentRun
        {
            Metadata = new ObjectMeta { Name = name, Namespace = "team-a", Uid = "uid-" + name, CreationTimestamp = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero) },
            Spec = new AgentRunSpec { InstanceRef = "alice", AgentId = "primary", Task = "t", Model = new ModelSpec { Provider = "openai", Model = "gpt-4o" } },
        };
        change?.Invoke(run);
        return run;
    }

    private static SympoziumInstance Instance(string? runTimeout = "45m") => new()
    {
        Metadata = new ObjectMeta { Name = "alice", Namespace = "team-a", Labels = new() { ["sympozium.ai/persona-pack"] = "devops" } },
        Spec = { Agents = { Default = { Model = "gpt-4o", RunTimeout = runTimeout } }, Skills = [new SkillRef { SkillPackRef = "k8s-ops", Params = new() { ["a"] = "b" } }] },
    };

    [Fact]
    public void Run_without_timeout_uses_instance_runTimeout_and_persists_it()
    {
        var plan = RunPlanner.Plan(Run(), Instance());

        Assert.True(plan.Changed);
        Assert.Equal(TimeSpan.FromMinutes(45), plan.Timeout);
        Assert.Equal("45m0s", plan.Run.Spec.Timeout);
        Assert.Equal("k8s-ops", Assert.Single(plan.Run.Spec.Skills!).SkillPackRef);
        Assert.Equal("devops", plan.Run.Metadata.Labels!["sympozium.ai/persona-pack"]);
        Assert.Equal(3, plan.Changes.Count);
    }

    [Fact]
    public void The_runs_own_values_win_and_the_input_is_not_mutated()
    {
        var run = Run(change: r => { r.Spec.Timeout = "5m"; r.Spec.Skills = [new SkillRef { ConfigMapRef = "mine" }]; });

        var plan = RunPlanner.Plan(run, Instance());

        Assert.Equal(TimeSpan.FromMinutes(5), plan.Timeout);
        Assert.Equal("5m0s", plan.Run.Spec.Timeout);
        Assert.Equal("mine", Assert.Single(plan.Run.Spec.Skills!).ConfigMapRef);
        Assert.Equal("5m", run.Spec.Timeout);
        Assert.Null(run.Metadata.Labels);
    }

    [Fact]
    public void Web_proxy_runs_do_not_inherit_skills_and_missing_values_default_to_ten_minutes()
    {
        var run = Run(change: r => r.Metadata.Labels = new() { ["sympozium.ai/source"] = "web-proxy" });

        var plan = RunPlanner.Plan(run, Instance(runTimeout: "never"));

        Assert.Null(plan.Run.Spec.Skills);
        Assert.Equal("10m0s", plan.Run.Spec.Timeout);
    }

    [Fact]
    public void An_already_planned_run_needs_no_update()
    {
        var first = RunPlanner.Plan(Run(), Instance());

        var second = RunPlanner.Plan(first.Run, Instance());

        Assert.False(second.Changed);
    }

    private static AgentRun WithPhase(string name, string? phase, int minute, string? job = null) =>
        Run(name, r =>
        {
            r.Metadata.CreationTimestamp = new DateTimeOffset(2026, 1, 1, 0, minute, 0, TimeSpan.Zero);
            r.Status = new AgentRunStatus { Phase = phase, JobName = job };
        });

    [Fact]
    public void Every_unfinished_phase_counts_toward_the_limit_and_the_run_waits_instead_of_failing()
    {
        var candidate = WithPhase("new", null, 10);
        var runs = new[] { WithPhase("a", "PostRunning", 1), WithPhase("b", "Serving", 2), WithPhase("c", "Succeeded", 3), candidate };

        var decision = ConcurrencyGate.Decide(candidate, runs, maxConcurrent: 2);

        Assert.False(decision.MayStart);
        Assert.Equal("waiting: 2/2 runs of instance alice are active", decision.WaitReason);
        Assert.True(ConcurrencyGate.Decide(candidate, runs, maxConcurrent: 3).MayStart);
        Assert.True(ConcurrencyGate.Decide(candidate, runs, maxConcurrent: null).MayStart);
    }

    [Fact]
    public void Queued_runs_start_oldest_first()
    {
        var oldest = WithPhase("q1", "Pending", 1);
        var middle = WithPhase("q2", null, 2);
        var newest = WithPhase("q3", "Pending", 3);
        var runs = new[] { WithPhase("active", "Running", 0), oldest, middle, newest };

        Assert.True(ConcurrencyGate.Decide(oldest, runs, 2).MayStart);
        Assert.False(ConcurrencyGate.Decide(middle, runs, 2).MayStart);
        Assert.True(ConcurrencyGate.Decide(middle, runs, 3).MayStart);
        Assert.Contains("1 older runs", ConcurrencyGate.Decide(middle, runs, 2).WaitReason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pending_run_whose_job_exists_holds_its_slot()
    {
        Assert.True(ConcurrencyGate.HoldsSlot(WithPhase("a", "Pending", 1, job: "a")));
        Assert.False(ConcurrencyGate.HoldsSlot(WithPhase("a", "Pending", 1)));
        Assert.False(ConcurrencyGate.HoldsSlot(WithPhase("a", "Failed", 1, job: "a")));
    }

    [Theory]
    [InlineData(2, 2, true)]
    [InlineData(1, 2, false)]
    [InlineData(3, 2, true)]
    [InlineData(5, null, false)]
    public void Spawn_depth_uses_one_rule_depth_at_or_over_the_limit_is_denied(int depth, int? maxDepth, bool denied)
    {
        var run = Run(change: r => r.Spec.Parent = new ParentRef { RunName = "p", SessionKey = "s", SpawnDepth = depth });

        Assert.Equal(denied, ConcurrencyGate.CheckDepth(run, maxDepth) is not null);
    }
}
