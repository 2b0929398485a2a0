using Sympozium.Api.Kinds;
using Sympozium.Controller.Reconcilers;
using Sympozium.Api.WellKnown;
using Sympozium.Controller.Tests.Support;
using Sympozium.Testing.Probes;

namespace Sympozium.Controller.Tests;

/// <summary>The controller killed mid-run and started again: the run completes and is recorded once.</summary>
[Collection(ControllerProcessGroup.Name)]
public sealed class ControllerRestartTests(ControllerProcessFixture fixture)
{
    private const string Ns = "default";

    [Fact]
    public async Task A_run_survives_a_controller_crash_and_its_result_is_recorded_once()
    {
        if (await fixture.Clients.Instances.GetAsync(Ns, "restarter") is null)
        {
            await fixture.Clients.Instances.CreateAsync(Ns, new SympoziumInstance
            {
                Metadata = { Name = "restarter", Namespace = Ns },
                Spec = { Agents = { Default = { Model = "gpt-4o" } } },
            });
        }

        await fixture.Clients.Runs.CreateAsync(Ns, new AgentRun
        {
            Metadata = { Name = "survivor", Namespace = Ns },
            Spec = { InstanceRef = "restarter", AgentId = "primary", SessionKey = "s", Task = "sleep:4", Model = { Provider = "openai", Model = "gpt-4o" } },
        });
        var running = await fixture.EventuallyAsync(() => fixture.Clients.Runs.GetAsync(Ns, "survivor"), r => r.Status?.Phase == "Running", "run survivor is Running");
        var job = await fixture.Clients.Jobs.GetAsync(Ns, "survivor");

        await fixture.KillControllerAsync();
        // The agent finishes while no controller is there.
        await fixture.EventuallyAsync(() => fixture.Clients.Jobs.GetAsync(Ns, "survivor"), j => j.Status?.Succeeded > 0, "the Job completes without a controller", TimeSpan.FromSeconds(30));
        Assert.Equal("Running", (await fixture.Clients.Runs.GetAsync(Ns, "survivor"))!.Status!.Phase);
        fixture.StartController();

        var done = await fixture.EventuallyAsync(() => fixture.Clients.Runs.GetAsync(Ns, "survivor"), r => AgentRunReconciler.IsTerminal(r.Status?.Phase), "run survivor is recorded after the restart");
        Assert.Equal(("Succeeded", "slept 4"), (done.Status!.Phase, done.Status.Result));
        Assert.Equal(running.Status!.StartedAt, done.Status.StartedAt);
        Assert.Equal(job!.Metadata.Uid, (await fixture.Clients.Jobs.GetAsync(Ns, "survivor"))!.Metadata.Uid); // never re-created

        // Give a second reconcile every chance to record it again, then count.
        await Task.Delay(1500);
        var recorded = fixture.ControllerLog.Split('\n').Count(l => l.Contains("AgentRun default/survivor succeeded", StringComparison.Ordinal));
        Assert.Equal(1, recorded);
        Assert.Equal(done.Status.CompletedAt, (await fixture.Clients.Runs.GetAsync(Ns, "survivor"))!.Status!.CompletedAt);
    }
}

/// <summary>The event bus going away: the controller reports not-ready, keeps reconciling, and catches up.</summary>
[Collection(ControllerProcessGroup.Name)]
public sealed class ControllerWithoutEventBusTests(ControllerProcessFixture fixture)
{
    private const string Ns = "default";

    [Fact]
    public async Task Without_nats_the_controller_is_not_ready_keeps_running_runs_and_publishes_failures_later()
    {
        if (await fixture.Clients.Instances.GetAsync(Ns, "busless") is null)
        {
            await fixture.Clients.Instances.CreateAsync(Ns, new SympoziumInstance
            {
                Metadata = { Name = "busless", Namespace = Ns },
                Spec = { Agents = { Default = { Model = "gpt-4o" } } },
            });
        }

        var ready = await fixture.EventuallyAsync(async () => (Tuple<int, string>?)(await fixture.ReadinessAsync()).ToTuple(), r => r.Item1 == 200, "/readyz answers 200");
        Assert.Contains("[+] event-bus", ready.Item2, StringComparison.Ordinal);

        await fixture.Nats.StopAsync();
        try
        {
            var notReady = await fixture.EventuallyAsync(async () => (Tuple<int, string>?)(await fixture.ReadinessAsync()).ToTuple(), r => r.Item1 == 503, "/readyz answers 503 without NATS");
            Assert.Contains("[-] event-bus", notReady.Item2, StringComparison.Ordinal);
            Assert.Contains("[+] api-server", notReady.Item2, StringComparison.Ordinal);

            await fixture.Clients.Runs.CreateAsync(Ns, Run("busless-ok", "succeed:fine"));
            await fixture.Clients.Runs.CreateAsync(Ns, Run("busless-bad", "error:no bus"));
            var ok = await fixture.EventuallyAsync(() => fixture.Clients.Runs.GetAsync(Ns, "busless-ok"), r => AgentRunReconciler.IsTerminal(r.Status?.Phase), "run busless-ok finished without NATS");
            Assert.Equal(("Succeeded", "fine"), (ok.Status!.Phase, ok.Status.Result));
            var bad = await fixture.EventuallyAsync(() => fixture.Clients.Runs.GetAsync(Ns, "busless-bad"), r => AgentRunReconciler.IsTerminal(r.Status?.Phase), "run busless-bad finished without NATS");
            Assert.Equal("Failed", bad.Status!.Phase);
            Assert.DoesNotContain(bad.Status.Conditions!, c => c.Type == "FailureEventPublished");
        }
        finally
        {
            await fixture.Nats.StartAgainAsync();
        }

        await fixture.EventuallyAsync(() => fixture.Clients.Runs.GetAsync(Ns, "busless-bad"), r => r.Status!.Conditions!.Any(c => c is { Type: "FailureEventPublished", Status: "True" }), "the failure is published once NATS is back", TimeSpan.FromSeconds(60));
        await using var probe = await JetStreamProbe.ConnectAsync(fixture.Nats.Url);
        var events = await probe.ReadAsync(NatsSubjects.FromAnyRun(NatsSubjects.AgentRunFailed));
        Assert.Single(events, e => e.Envelope.Metadata[NatsSubjects.Metadata.AgentRunId] == "busless-bad");
        await fixture.EventuallyAsync(async () => (Tuple<int, string>?)(await fixture.ReadinessAsync()).ToTuple(), r => r.Item1 == 200, "/readyz answers 200 again");
    }

    private static AgentRun Run(string name, string task) => new()
    {
        Metadata = { Name = name, Namespace = Ns },
        Spec = { InstanceRef = "busless", AgentId = "primary", SessionKey = "s", Task = task, Model = { Provider = "openai", Model = "gpt-4o" } },
    };
}
