using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Sympozium.Kubernetes.Client;
using Sympozium.Kubernetes.Leader;

namespace Sympozium.Kubernetes.Tests;

/// <summary>Two candidates on one Lease: exactly one leads; the other takes over when it dies.</summary>
public sealed class LeaderElectionTests : ClusterTestBase
{
    private LeaseLeaderElector Candidate(string identity) => new(
        new ResourceClient<V1Lease>(Connection, ApiResource.Leases, ResourceSerializer.FromKubernetesClient<V1Lease>()),
        new LeaderElectionOptions
        {
            Identity = identity,
            Namespace = "default",
            LeaseName = "test-leader",
            // Generous against a loaded CI machine: a leader starved past its lease would overlap.
            LeaseDuration = TimeSpan.FromSeconds(6),
            RenewDeadline = TimeSpan.FromSeconds(3),
            RetryPeriod = TimeSpan.FromMilliseconds(200),
        },
        NullLogger.Instance);

    [Fact]
    public async Task Exactly_one_candidate_leads_and_the_other_takes_over_when_it_stops()
    {
        var leading = 0;
        var maxConcurrentLeaders = 0;
        var led = new List<string>();
        Func<CancellationToken, Task> Work(string who) => async ct =>
        {
            lock (led)
            {
                led.Add(who);
                maxConcurrentLeaders = Math.Max(maxConcurrentLeaders, Interlocked.Increment(ref leading));
            }

            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            finally
            {
                Interlocked.Decrement(ref leading);
            }
        };

        var a = Candidate("a");
        var b = Candidate("b");
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        var runA = a.RunAsync(Work("a"), stopA.Token);
        var runB = b.RunAsync(Work("b"), stopB.Token);
        await WaitFor(() => a.IsLeader || b.IsLeader);
        await Task.Delay(1000);

        Assert.NotEqual(a.IsLeader, b.IsLeader);
        var (winner, loser, stopWinner, winnerRun) = a.IsLeader ? (a, b, stopA, runA) : (b, a, stopB, runB);
        await stopWinner.CancelAsync();
        await winnerRun;
        await WaitFor(() => loser.IsLeader);

        Assert.Equal(1, maxConcurrentLeaders);
        Assert.Equal([winner.Identity, loser.Identity], led);
        await (loser == a ? stopA : stopB).CancelAsync();
        await Task.WhenAll(runA, runB);
    }

    [Fact]
    public async Task A_crashed_leader_is_replaced_after_its_lease_expires()
    {
        var leases = new ResourceClient<V1Lease>(Connection, ApiResource.Leases, ResourceSerializer.FromKubernetesClient<V1Lease>());
        var now = DateTime.UtcNow;
        await leases.CreateAsync("default", new V1Lease
        {
            Metadata = new V1ObjectMeta { Name = "test-leader" },
            Spec = new V1LeaseSpec { HolderIdentity = "crashed", LeaseDurationSeconds = 2, AcquireTime = now, RenewTime = now },
        });
        var survivor = Candidate("survivor");
        using var stop = new CancellationTokenSource();

        var run = survivor.RunAsync(ct => Task.Delay(Timeout.Infinite, ct), stop.Token);
        await Task.Delay(500);
        Assert.False(survivor.IsLeader);
        await WaitFor(() => survivor.IsLeader);
        await stop.CancelAsync();
        await run;

        var lease = (await leases.GetAsync("default", "test-leader"))!;
        Assert.Null(lease.Spec.HolderIdentity);
        Assert.Equal(1, lease.Spec.LeaseTransitions);
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached within 20 s");
            await Task.Delay(50);
        }
    }
}
