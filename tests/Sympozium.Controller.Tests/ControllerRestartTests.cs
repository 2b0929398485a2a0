using Sympozium.Api.Kinds;
using Sympozium.Controller.Reconcilers;
using Sympozium.Controller.Tests.Support;

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
