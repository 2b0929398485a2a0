using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;
using Sympozium.Controller.Builders;
using Sympozium.Controller.Reconcilers;
using Sympozium.Controller.Tests.Support;
using Sympozium.Testing.Probes;

namespace Sympozium.Controller.Tests;

/// <summary>The gate verdict table (docs/design/agent-runs.md#postrun-hooks-and-the-gate).</summary>
public sealed class GateVerdictTests
{
    [Theory]
    [InlineData("""{"action":"approve"}""", null, false, "approved", "the answer")]
    [InlineData("""{"action":"approve","response":"ignored"}""", null, false, "approved", "the answer")]
    [InlineData("""{"action":"reject","response":"not allowed here"}""", null, false, "rejected", "not allowed here")]
    [InlineData("""{"action":"reject"}""", null, false, "rejected", "Response blocked by policy")]
    [InlineData("""{"action":"rewrite","response":"a safer answer"}""", null, false, "rewritten", "a safer answer")]
    [InlineData("""{"action":"rewrite"}""", null, false, "timeout", "Response blocked: gate hook did not return a verdict")]
    [InlineData("""{"action":"shrug"}""", null, true, "error", "Response blocked: gate hook did not return a verdict")]
    [InlineData("not json", "block", false, "timeout", "Response blocked: gate hook did not return a verdict")]
    [InlineData(null, null, true, "error", "Response blocked: gate hook did not return a verdict")]
    [InlineData(null, "allow", true, "allowed-by-default", "the answer")]
    public void Verdicts(string? annotation, string? gateDefault, bool hookFailed, string verdict, string result)
    {
        Assert.Equal((verdict, result), AgentRunReconciler.ResolveGate(annotation, gateDefault, hookFailed, "the answer"));
    }

    [Fact]
    public void The_postrun_job_runs_the_gate_first_with_the_outcome_and_a_deadline_from_the_hook_timeouts()
    {
        var run = new AgentRun
        {
            Metadata = { Name = "r1", Namespace = "team-a", Uid = "u-1" },
            Spec =
            {
                InstanceRef = "i",
                Lifecycle = new LifecycleHooks
                {
                    PostRun =
                    [
                        new LifecycleHook { Name = "audit", Image = "busybox:1.36", Command = ["sh", "-c", "true"], Timeout = "2m" },
                        new LifecycleHook { Name = "review", Image = "reviewer:1", Gate = true, Env = [new EnvVar { Name = "MODE", Value = "strict" }] },
                    ],
                },
            },
        };

        var job = PostRunJobBuilder.Build(run, 0, new string('x', 40_000), null, ControllerImages.Default);

        Assert.Equal("r1-postrun", job.Metadata.Name);
        Assert.Equal(["post-review", "post-audit"], job.Spec.Template.Spec.InitContainers.Select(c => c.Name));
        var gate = job.Spec.Template.Spec.InitContainers[0];
        Assert.Equal("0", gate.Env.Single(e => e.Name == "AGENT_EXIT_CODE").Value);
        Assert.Equal(PostRunJobBuilder.MaxResultLength, gate.Env.Single(e => e.Name == "AGENT_RESULT").Value.Length);
        Assert.Equal("strict", gate.Env.Single(e => e.Name == "MODE").Value);
        Assert.Equal(420, job.Spec.ActiveDeadlineSeconds); // 2m + the 5m default of the gate hook
        Assert.Equal("r1-workspace", job.Spec.Template.Spec.Volumes.Single(v => v.Name == "workspace").PersistentVolumeClaim.ClaimName);
        Assert.Equal(Labels.Components.PostRun, job.Metadata.Labels[Labels.Component]);
        Assert.False(job.Spec.Template.Spec.AutomountServiceAccountToken);
        Assert.Equal("done", job.Spec.Template.Spec.Containers.Single().Name);
    }
}

/// <summary>postRun hooks and the response gate with the real controller process.</summary>
[Collection(ControllerProcessGroup.Name)]
public sealed class PostRunProcessTests(ControllerProcessFixture fixture)
{
    private const string Ns = "default";

    private async Task<AgentRun> CreateAsync(string name, string task, params LifecycleHook[] hooks)
    {
        if (await fixture.Clients.Instances.GetAsync(Ns, "hooked") is null)
        {
            await fixture.Clients.Instances.CreateAsync(Ns, new SympoziumInstance
            {
                Metadata = { Name = "hooked", Namespace = Ns },
                Spec = { Agents = { Default = { Model = "gpt-4o" } } },
            });
        }

        return await fixture.Clients.Runs.CreateAsync(Ns, new AgentRun
        {
            Metadata = { Name = name, Namespace = Ns },
            Spec =
            {
                InstanceRef = "hooked",
                AgentId = "primary",
                SessionKey = "s",
                Task = task,
                Model = { Provider = "openai", Model = "gpt-4o" },
                Lifecycle = new LifecycleHooks { PostRun = [.. hooks] },
            },
        });
    }

    private Task<AgentRun> FinishedAsync(string name) =>
        fixture.EventuallyAsync(() => fixture.Clients.Runs.GetAsync(Ns, name), r => AgentRunReconciler.IsTerminal(r.Status?.Phase), $"run {name} finished");

    [Fact]
    public async Task Hooks_run_after_the_agent_on_the_shared_workspace_and_a_failing_hook_keeps_the_outcome()
    {
        await CreateAsync(
            "audited",
            "succeed:all good",
            new LifecycleHook { Name = "copy", Image = "busybox:1.36", Command = ["sh", "-c", "echo \"$AGENT_EXIT_CODE:$AGENT_RESULT\" > \"$SYMPOZIUM_ROOT/workspace/audit.txt\""] },
            new LifecycleHook { Name = "check", Image = "busybox:1.36", Command = ["sh", "-c", "test \"$(cat \"$SYMPOZIUM_ROOT/workspace/audit.txt\")\" = '0:all good' && exit 7"] });

        var run = await FinishedAsync("audited");
        Assert.Equal(("Succeeded", "all good"), (run.Status!.Phase, run.Status.Result));
        Assert.Equal("audited-postrun", run.Status.PostRunJobName);
        Assert.Equal(0, run.Status.ExitCode);

        // The second hook saw the first hook's file (exit 7 is its "yes") and failed the Job on purpose.
        var condition = Assert.Single(run.Status.Conditions!, c => c.Type == "PostRunFailed");
        Assert.Equal("True", condition.Status);
        var job = await fixture.Clients.Jobs.GetAsync(Ns, "audited-postrun");
        var pods = await fixture.Clients.Pods.ListAsync(Ns, $"job-name=audited-postrun");
        var check = pods.Items.Single().Status.InitContainerStatuses.Single(c => c.Name == "post-check");
        Assert.Equal(7, check.State.Terminated.ExitCode);
        Assert.NotNull(job);
        await fixture.EventuallyAsync(async () => await fixture.Clients.Claims.GetAsync(Ns, "audited-workspace") is null ? "gone" : null, _ => true, "the workspace claim is deleted once the run ended");
    }

    [Fact]
    public async Task A_gate_verdict_rewrites_the_answer_and_the_real_outcome_is_published_once()
    {
        await CreateAsync("gated", "succeed:raw answer", new LifecycleHook { Name = "review", Image = "busybox:1.36", Command = ["sh", "-c", "sleep 60"], Gate = true });

        await fixture.EventuallyAsync(() => fixture.Clients.Runs.GetAsync(Ns, "gated"), r => r.Status?.Phase == "PostRunning", "run gated waits for its gate");
        var waiting = await fixture.Clients.Runs.GetAsync(Ns, "gated");
        Assert.Equal("raw answer", waiting!.Status!.Result);
        var job = await fixture.Clients.Jobs.GetAsync(Ns, "gated");
        Assert.Equal("true", job!.Spec.Template.Spec.InitContainers.Single(c => c.Name == "ipc-bridge").Env.Single(e => e.Name == "GATE_SUPPRESS_COMPLETION").Value);

        await fixture.Clients.Runs.MergePatchAsync(Ns, "gated", """{"metadata":{"annotations":{"sympozium.ai/gate-verdict":"{\"action\":\"rewrite\",\"response\":\"reviewed answer\"}"}}}""");

        var run = await FinishedAsync("gated");
        Assert.Equal(("Succeeded", "reviewed answer", "rewritten"), (run.Status!.Phase, run.Status.Result, run.Status.GateVerdict));
        await fixture.EventuallyAsync(async () => await fixture.Clients.Jobs.GetAsync(Ns, "gated-postrun") is null ? "gone" : null, _ => true, "the hook Job is ended once the gate answered");

        await using var probe = await JetStreamProbe.ConnectAsync(fixture.Nats.Url);
        var completed = (await probe.ReadAsync(NatsSubjects.FromAnyRun(NatsSubjects.AgentRunCompleted))).Where(e => e.Envelope.Metadata[NatsSubjects.Metadata.AgentRunId] == "gated").ToList();
        var envelope = Assert.Single(completed).Envelope;
        Assert.Equal(("success", "reviewed answer"), (envelope.Data.GetProperty("status").GetString(), envelope.Data.GetProperty("response").GetString()));
    }

    [Fact]
    public async Task A_failed_agent_behind_a_gate_is_published_as_an_error_and_stays_failed()
    {
        await CreateAsync("gated-fail", "error:model refused", new LifecycleHook { Name = "review", Image = "busybox:1.36", Command = ["true"], Gate = true });

        var run = await FinishedAsync("gated-fail");
        Assert.Equal(("Failed", "model refused", "timeout"), (run.Status!.Phase, run.Status.Error, run.Status.GateVerdict));

        await using var probe = await JetStreamProbe.ConnectAsync(fixture.Nats.Url);
        var envelope = (await fixture.EventuallyAsync(
            async () => (await probe.ReadAsync(NatsSubjects.FromAnyRun(NatsSubjects.AgentRunCompleted))).FirstOrDefault(e => e.Envelope.Metadata[NatsSubjects.Metadata.AgentRunId] == "gated-fail"),
            _ => true,
            "the completion of gated-fail is published")).Envelope;
        Assert.Equal(("error", "model refused"), (envelope.Data.GetProperty("status").GetString(), envelope.Data.GetProperty("error").GetString()));
    }

    // Two gate hooks (or a preRun gate) never reach the controller: the webhook refuses the
    // manifest naming the field (Sympozium.Webhook.Tests, ManifestGateTests).
}
