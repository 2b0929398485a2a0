using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;
using Sympozium.Controller.Reconcilers;
using Sympozium.Controller.Tests.Support;
using Sympozium.Testing.Probes;

namespace Sympozium.Controller.Tests;

/// <summary>
/// AgentRuns end to end: the real controller process against the local cluster, whose kubelet runs
/// the Job's containers with the stand-in agent and ipc-bridge scripts.
/// </summary>
[Collection(ControllerProcessGroup.Name)]
public sealed class AgentRunLifecycleTests(ControllerProcessFixture fixture)
{
    private const string Ns = "default";

    private static AgentRun Run(string name, string task, string instance = "assistant", string? timeout = null) => new()
    {
        Metadata = { Name = name, Namespace = Ns },
        Spec =
        {
            InstanceRef = instance,
            AgentId = "primary",
            SessionKey = "s-" + name,
            Task = task,
            Timeout = timeout,
            Model = { Provider = "openai", Model = "gpt-4o", AuthSecretRef = "" },
        },
    };

    private async Task EnsureInstanceAsync(string name, string? policy = null)
    {
        if (await fixture.Clients.Instances.GetAsync(Ns, name) is not null)
        {
            return;
        }

        await fixture.Clients.Instances.CreateAsync(Ns, new SympoziumInstance
        {
            Metadata = { Name = name, Namespace = Ns },
            Spec = { Agents = { Default = { Model = "gpt-4o" } }, Memory = new MemorySpec { Enabled = true }, PolicyRef = policy },
        });
    }

    private async Task EnsureMemoryConfigMapAsync(string instance)
    {
        // The instance reconciler creates it for an instance with memory enabled.
        var memory = await fixture.EventuallyAsync(() => fixture.Clients.ConfigMaps.GetAsync(Ns, instance + "-memory"), _ => true, $"the memory ConfigMap of {instance} exists");
        Assert.Equal(LogMarkers.EmptyMemory + "\n", memory.Data["MEMORY.md"]);
    }

    private Task<AgentRun> FinishedAsync(string name, TimeSpan? timeout = null) =>
        fixture.EventuallyAsync(() => fixture.Clients.Runs.GetAsync(Ns, name), r => AgentRunReconciler.IsTerminal(r.Status?.Phase), $"run {name} finished", timeout);

    [Fact]
    public async Task A_run_gets_a_job_with_native_sidecar_and_succeeds_with_the_whole_log_result_and_memory()
    {
        await EnsureInstanceAsync("assistant");
        await EnsureMemoryConfigMapAsync("assistant");
        await fixture.Clients.Runs.CreateAsync(Ns, Run("hello", "succeed:hi there"));

        var job = await fixture.EventuallyAsync(() => fixture.Clients.Jobs.GetAsync(Ns, "hello"), _ => true, "the Job exists");
        var pod = job.Spec.Template.Spec;
        Assert.Equal(["agent"], pod.Containers.Select(c => c.Name));
        var bridge = Assert.Single(pod.InitContainers, c => c.Name == "ipc-bridge");
        Assert.Equal("Always", bridge.RestartPolicy);
        Assert.Equal("hello", job.Metadata.OwnerReferences.Single().Name);

        var run = await FinishedAsync("hello");
        Assert.True(run.Status!.Phase == "Succeeded", $"phase {run.Status.Phase}, error {run.Status.Error}");
        Assert.Equal("hi there", run.Status.Result);
        Assert.Equal((3, 4, 7, 1), (run.Status.TokenUsage!.InputTokens, run.Status.TokenUsage.OutputTokens, run.Status.TokenUsage.TotalTokens, run.Status.TokenUsage.ToolCalls));
        Assert.Equal("hello", run.Status.JobName);
        Assert.False(string.IsNullOrEmpty(run.Status.PodName));
        Assert.Matches("^[0-9a-f]{32}$", run.Status.TraceID!);
        Assert.Equal("10m0s", run.Spec.Timeout); // the effective timeout was persisted before the Job
        Assert.Equal("assistant", run.Metadata.Labels![Labels.Instance]);

        // Released by the reconcile after the one that recorded the outcome.
        await fixture.EventuallyAsync(() => fixture.Clients.Runs.GetAsync(Ns, "hello"), r => !(r.Metadata.Finalizers ?? []).Contains(Finalizers.AgentRun), "the finalizer is released once the run finished");

        var memory = await fixture.Clients.ConfigMaps.GetAsync(Ns, "assistant-memory");
        Assert.Equal("remembered: hi there", memory!.Data["MEMORY.md"]);
    }

    [Fact]
    public async Task An_agent_error_fails_the_run_with_its_reason_and_publishes_agent_run_failed()
    {
        await EnsureInstanceAsync("assistant");
        await fixture.Clients.Runs.CreateAsync(Ns, Run("broken", "error:the model said no"));

        var run = await FinishedAsync("broken");
        Assert.Equal("Failed", run.Status!.Phase);
        Assert.Equal("the model said no", run.Status.Error);
        Assert.Contains(run.Status.Conditions!, c => c is { Type: "Failed", Status: "True", Reason: "AgentFailed" });

        await using var probe = await JetStreamProbe.ConnectAsync(fixture.Nats.Url);
        var published = await fixture.EventuallyAsync(
            async () => (await probe.ReadAsync(NatsSubjects.FromAnyRun(NatsSubjects.AgentRunFailed))).FirstOrDefault(e => e.Envelope.Metadata[NatsSubjects.Metadata.AgentRunId] == "broken"),
            _ => true,
            "agent.run.failed for run broken is on the bus");
        Assert.Equal("assistant", published.Envelope.Metadata[NatsSubjects.Metadata.InstanceName]);
        Assert.Equal(Ns, published.Envelope.Metadata[NatsSubjects.Metadata.Namespace]);
        Assert.Equal("the model said no", published.Envelope.Data.GetProperty("error").GetString());
        await fixture.EventuallyAsync(() => fixture.Clients.Runs.GetAsync(Ns, "broken"), r => r.Status!.Conditions!.Any(c => c is { Type: "FailureEventPublished", Status: "True" }), "the publication is recorded");
    }

    [Fact]
    public async Task A_crashing_container_fails_the_run_with_its_exit_code()
    {
        await EnsureInstanceAsync("assistant");
        await fixture.Clients.Runs.CreateAsync(Ns, Run("crash", "crash"));

        var run = await FinishedAsync("crash");
        Assert.Equal("Failed", run.Status!.Phase);
        Assert.StartsWith("agent container exited with code 3", run.Status.Error, StringComparison.Ordinal);
        Assert.Equal(3, run.Status.ExitCode);
    }

    [Fact]
    public async Task A_run_past_its_timeout_fails_with_deadline_exceeded_and_its_job_is_deleted()
    {
        await EnsureInstanceAsync("assistant");
        await fixture.Clients.Runs.CreateAsync(Ns, Run("slow", "sleep:120", timeout: "3s"));

        var run = await FinishedAsync("slow");
        Assert.Equal("Failed", run.Status!.Phase);
        Assert.StartsWith("DeadlineExceeded", run.Status.Error, StringComparison.Ordinal);
        Assert.Contains(run.Status.Conditions!, c => c is { Type: "Failed", Reason: "DeadlineExceeded" });
        Assert.Contains("; pod slow-", run.Status.Error, StringComparison.Ordinal); // what the pod was doing
        Assert.Equal("3s", run.Spec.Timeout);
        await fixture.EventuallyAsync(async () => await fixture.Clients.Jobs.GetAsync(Ns, "slow") is null ? "gone" : null, _ => true, "the Job of run slow is deleted");
    }

    [Fact]
    public async Task A_run_naming_a_missing_instance_waits_with_a_condition_then_starts_when_it_appears()
    {
        await fixture.Clients.Runs.CreateAsync(Ns, Run("patient", "succeed:finally", instance: "late"));

        var waiting = await fixture.EventuallyAsync(
            () => fixture.Clients.Runs.GetAsync(Ns, "patient"),
            r => r.Status?.Conditions?.Any(c => c.Type == "Waiting" && c.Status == "True") == true,
            "run patient reports that it waits");
        var condition = waiting.Status!.Conditions!.Single(c => c.Type == "Waiting");
        Assert.Equal("InstanceNotFound", condition.Reason);
        Assert.Contains("\"late\"", condition.Message, StringComparison.Ordinal);
        Assert.Null(await fixture.Clients.Jobs.GetAsync(Ns, "patient"));

        await EnsureInstanceAsync("late");
        var run = await FinishedAsync("patient");
        Assert.Equal(("Succeeded", "finally"), (run.Status!.Phase, run.Status.Result));
        Assert.Contains(run.Status.Conditions!, c => c is { Type: "Waiting", Status: "False" });
    }

    [Fact]
    public async Task A_missing_instance_fails_the_run_after_its_timeout()
    {
        await fixture.Clients.Runs.CreateAsync(Ns, Run("orphan", "succeed:never", instance: "nowhere", timeout: "2s"));

        var run = await FinishedAsync("orphan");
        Assert.Equal("Failed", run.Status!.Phase);
        Assert.Contains("SympoziumInstance \"nowhere\"", run.Status.Error, StringComparison.Ordinal);
        Assert.Contains("2s", run.Status.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_skill_rbac_fails_the_run_and_leaves_no_rbac_behind()
    {
        await EnsureInstanceAsync("assistant");
        await fixture.Clients.SkillPacks.CreateAsync(Ns, new SkillPack
        {
            Metadata = { Name = "bad-rbac", Namespace = Ns },
            Spec =
            {
                Skills = [new Skill { Name = "x", Content = "x" }],
                Sidecar = new SkillSidecar { Image = "busybox:1.36", Rbac = [new RbacRule { ApiGroups = [""], Resources = ["pods"], Verbs = ["gett"] }] },
            },
        });
        var run = Run("badrbac", "succeed:no");
        run.Spec.Skills = [new SkillRef { SkillPackRef = "bad-rbac" }];
        await fixture.Clients.Runs.CreateAsync(Ns, run);

        var failed = await FinishedAsync("badrbac");
        Assert.Equal("Failed", failed.Status!.Phase);
        Assert.StartsWith("skill RBAC refused, nothing was granted: SkillPack default/bad-rbac: spec.sidecar.rbac[0].verbs[0]", failed.Status.Error, StringComparison.Ordinal);
        Assert.Contains("gett", failed.Status.Error, StringComparison.Ordinal);
        Assert.Null(await fixture.Clients.ServiceAccounts.GetAsync(Ns, "sympozium-run-badrbac"));
        Assert.Empty((await fixture.Clients.Roles.ListAsync(Ns, $"{Labels.AgentRun}=badrbac")).Items);
        Assert.Null(await fixture.Clients.Jobs.GetAsync(Ns, "badrbac"));
    }

    [Fact]
    public async Task Deleting_a_running_run_removes_its_job_rbac_and_service_account()
    {
        await EnsureInstanceAsync("assistant");
        var run = Run("doomed", "sleep:120");
        run.Spec.Lifecycle = new LifecycleHooks { Rbac = [new RbacRule { ApiGroups = [""], Resources = ["configmaps"], Verbs = ["get"] }] };
        await fixture.Clients.Runs.CreateAsync(Ns, run);

        await fixture.EventuallyAsync(() => fixture.Clients.Runs.GetAsync(Ns, "doomed"), r => r.Status?.Phase == "Running", "run doomed is Running");
        var account = await fixture.Clients.ServiceAccounts.GetAsync(Ns, "sympozium-run-doomed");
        Assert.NotNull(account);
        var role = Assert.Single((await fixture.Clients.Roles.ListAsync(Ns, $"{Labels.AgentRun}=doomed")).Items);
        Assert.StartsWith("sympozium-lifecycle-doomed-", role.Metadata.Name, StringComparison.Ordinal);
        Assert.Equal(["get"], role.Rules.Single().Verbs);
        var binding = await fixture.Clients.RoleBindings.GetAsync(Ns, role.Metadata.Name);
        Assert.Equal("sympozium-run-doomed", binding!.Subjects.Single().Name);
        var job = await fixture.Clients.Jobs.GetAsync(Ns, "doomed");
        Assert.Equal("sympozium-run-doomed", job!.Spec.Template.Spec.ServiceAccountName);

        await fixture.Clients.Runs.DeleteAsync(Ns, "doomed");

        await fixture.EventuallyAsync(async () => await fixture.Clients.Runs.GetAsync(Ns, "doomed") is null ? "gone" : null, _ => true, "run doomed is gone");
        await fixture.EventuallyAsync(async () => await fixture.Clients.Jobs.GetAsync(Ns, "doomed") is null ? "gone" : null, _ => true, "its Job is gone");
        Assert.Null(await fixture.Clients.ServiceAccounts.GetAsync(Ns, "sympozium-run-doomed"));
        Assert.Null(await fixture.Clients.Roles.GetAsync(Ns, role.Metadata.Name));
        Assert.Null(await fixture.Clients.RoleBindings.GetAsync(Ns, role.Metadata.Name));
    }

    [Fact]
    public async Task Skill_rbac_is_revoked_when_the_run_ends()
    {
        await EnsureInstanceAsync("assistant");
        var run = Run("granted", "sleep:1");
        run.Spec.Lifecycle = new LifecycleHooks { Rbac = [new RbacRule { ApiGroups = [""], Resources = ["pods"], Verbs = ["list"] }] };
        await fixture.Clients.Runs.CreateAsync(Ns, run);

        var finished = await FinishedAsync("granted");
        Assert.Equal("Succeeded", finished.Status!.Phase);
        await fixture.EventuallyAsync(
            () => fixture.Clients.Runs.GetAsync(Ns, "granted"),
            r => r.Status!.Conditions!.Any(c => c is { Type: "RbacGranted", Status: "False", Reason: "Revoked" }),
            "the grant is revoked");
        Assert.Null(await fixture.Clients.ServiceAccounts.GetAsync(Ns, "sympozium-run-granted"));
        Assert.Empty((await fixture.Clients.Roles.ListAsync(Ns, $"{Labels.AgentRun}=granted")).Items);
        Assert.Empty((await fixture.Clients.RoleBindings.ListAsync(Ns, $"{Labels.AgentRun}=granted")).Items);
        Assert.NotNull(await fixture.Clients.Runs.GetAsync(Ns, "granted")); // the run itself stays, as history
    }

    [Fact]
    public async Task Max_concurrent_queues_runs_instead_of_failing_them()
    {
        await fixture.Clients.Policies.CreateAsync(Ns, new SympoziumPolicy
        {
            Metadata = { Name = "one-at-a-time", Namespace = Ns },
            Spec = { SubagentPolicy = new SubagentPolicy { MaxConcurrent = 1 } },
        });
        await EnsureInstanceAsync("serial", policy: "one-at-a-time");
        await fixture.Clients.Runs.CreateAsync(Ns, Run("first", "sleep:3", instance: "serial"));
        await Task.Delay(200);
        await fixture.Clients.Runs.CreateAsync(Ns, Run("second", "succeed:after", instance: "serial"));

        var queued = await fixture.EventuallyAsync(
            () => fixture.Clients.Runs.GetAsync(Ns, "second"),
            r => r.Status?.Conditions?.Any(c => c is { Type: "Waiting", Status: "True", Reason: "ConcurrencyLimit" }) == true,
            "run second is queued behind first");
        Assert.Null(queued.Status!.JobName);
        var first = await fixture.Clients.Runs.GetAsync(Ns, "first");
        Assert.Equal("Running", first!.Status!.Phase);

        var second = await FinishedAsync("second");
        Assert.Equal("Succeeded", second.Status!.Phase);
        first = await fixture.Clients.Runs.GetAsync(Ns, "first");
        Assert.Equal("Succeeded", first!.Status!.Phase);
        Assert.True(second.Status.StartedAt >= first.Status.CompletedAt, $"second started {second.Status.StartedAt:O}, first completed {first.Status.CompletedAt:O}");
    }

    [Fact]
    public async Task A_result_and_memory_marker_logged_by_the_agent_from_outside_text_do_not_replace_its_report()
    {
        await EnsureInstanceAsync("forgery");
        await EnsureMemoryConfigMapAsync("forgery");
        await fixture.Clients.Runs.CreateAsync(Ns, Run("forged", "forge:the real one", instance: "forgery"));

        var run = await FinishedAsync("forged");

        Assert.True(run.Status!.Phase == "Succeeded", $"phase {run.Status.Phase}, error {run.Status.Error}");
        Assert.Equal("the real one", run.Status.Result);
        var memory = await fixture.Clients.ConfigMaps.GetAsync(Ns, "forgery-memory");
        Assert.Equal("remembered: the real one", memory!.Data["MEMORY.md"]);
    }

    [Fact]
    public async Task A_run_whose_model_secret_is_missing_fails_at_once_naming_the_secret_and_creates_no_job()
    {
        await EnsureInstanceAsync("assistant");
        var request = Run("keyless", "succeed:never");
        request.Spec.Model.AuthSecretRef = "no-such-llm-key";
        await fixture.Clients.Runs.CreateAsync(Ns, request);

        var run = await FinishedAsync("keyless");

        Assert.Equal("Failed", run.Status!.Phase);
        Assert.Contains(run.Status.Conditions!, c => c is { Type: "Failed", Reason: "SecretNotFound" });
        Assert.Contains("Secret \"no-such-llm-key\" does not exist in namespace default (spec.model.authSecretRef)", run.Status.Error, StringComparison.Ordinal);
        Assert.Null(await fixture.Clients.Jobs.GetAsync(Ns, "keyless"));
    }

    [Fact]
    public async Task The_task_reaches_the_agent_as_a_file_from_the_runs_input_config_map()
    {
        await EnsureInstanceAsync("files");
        await fixture.Clients.Runs.CreateAsync(Ns, Run("by-file", "succeed:read from a file", instance: "files"));

        var run = await FinishedAsync("by-file");

        Assert.Equal(("Succeeded", "read from a file"), (run.Status!.Phase, run.Status.Result));
        var job = await fixture.Clients.Jobs.GetAsync(Ns, "by-file");
        Assert.DoesNotContain(job!.Spec.Template.Spec.Containers.Single().Env, e => e.Name == "TASK");
        var input = await fixture.Clients.ConfigMaps.GetAsync(Ns, "by-file-input");
        Assert.Equal("succeed:read from a file", input!.Data["task"]);
        Assert.Equal("by-file", input.Metadata.OwnerReferences.Single().Name);
    }
}
