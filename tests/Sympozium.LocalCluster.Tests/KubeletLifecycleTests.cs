using System.Diagnostics;
using Sympozium.LocalCluster.Kubelet;

namespace Sympozium.LocalCluster.Tests;

/// <summary>No orphan processes: at server stop and after a crash; and kubectl logs options.</summary>
public sealed class KubeletLifecycleTests
{
    [Fact]
    public async Task Server_shutdown_leaves_no_processes()
    {
        var dir = LocalClusterFixture.NewDirectory();
        var server = await LocalClusterFixture.StartAsync(dir);
        server.Create(Pods.Pod("sleeper", Pods.Container("main", "sleep 300 & wait")));
        var running = await server.WaitAsync("sleeper", p => p.Status("main")?["state"]?["running"] is not null);
        var pid = int.Parse(running.Status("main")!["containerID"]!.ToString()["local://".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Pods.ProcessExists(pid));
        await server.DisposeAsync();
        Assert.False(Pods.ProcessExists(pid), "a pod process outlived the server");
        LocalClusterFixture.TryDelete(dir);
    }

    [Fact]
    public async Task Process_groups_left_by_a_crashed_run_are_killed_at_start()
    {
        var dir = LocalClusterFixture.NewDirectory();
        // What a crashed kubelet leaves: a recorded process group still running.
        using var orphan = Process.Start(new ProcessStartInfo("setsid", ["sleep", "300"]) { UseShellExecute = false })!;
        new ProcessTracker(Path.Combine(dir, "kubelet")).Add(orphan.Id);
        await using (await LocalClusterFixture.StartAsync(dir))
        {
            Assert.True(orphan.WaitForExit(TimeSpan.FromSeconds(10)), "the orphan was not killed");
        }

        LocalClusterFixture.TryDelete(dir);
    }

    [KubectlFact]
    public async Task Kubectl_logs_follows_tails_and_prints_timestamps()
    {
        var dir = LocalClusterFixture.NewDirectory();
        var server = await LocalClusterFixture.StartAsync(dir);
        try
        {
            await LogsAsync(server);
        }
        finally
        {
            await server.DisposeAsync();
            LocalClusterFixture.TryDelete(dir);
        }
    }

    private static async Task LogsAsync(LocalClusterServer server)
    {
        server.Create(Pods.Pod("counter", Pods.Container("main", "for i in 1 2 3 4 5; do echo line$i; sleep 0.2; done")));
        await server.WaitAsync("counter", p => p.Status("main")?["state"]?["running"] is not null);
        var follow = await Kubectl.RunAsync(server.KubeconfigPath, null, "logs", "-f", "counter");
        Assert.True(follow.ExitCode == 0, follow.Stderr);
        Assert.Equal("line1\nline2\nline3\nline4\nline5\n", follow.Stdout);

        var tail = await Kubectl.RunAsync(server.KubeconfigPath, null, "logs", "counter", "--tail=2", "--timestamps");
        var lines = tail.Stdout.TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.EndsWith(" line5", lines[1], StringComparison.Ordinal);
        Assert.True(DateTimeOffset.TryParse(lines[0].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture, out _), lines[0]);

        server.Create(Pods.Pod("two", Pods.Container("a", "true"), Pods.Container("b", "true")));
        var ambiguous = await Kubectl.RunAsync(server.KubeconfigPath, null, "logs", "two", "--all-containers=false", "-c", "nope");
        Assert.NotEqual(0, ambiguous.ExitCode);
        Assert.Contains("container nope is not valid for pod two", ambiguous.Stderr, StringComparison.Ordinal);
    }
}
