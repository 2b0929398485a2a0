using System.Diagnostics;
using Sympozium.Api.WellKnown;
using Sympozium.Testing;
using Xunit.Abstractions;

namespace Sympozium.IpcBridge.Tests;

/// <summary>Start-up, exit codes and shutdown (a native sidecar must never block or outlive the run for nothing).</summary>
public sealed class BridgeLifecycleTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Missing_AGENT_RUN_ID_exits_2_with_a_message_naming_the_variable()
    {
        await using var scenario = await BridgeScenario.StartAsync(output);

        var bridge = scenario.StartBridge(env => env.Remove("AGENT_RUN_ID"));

        Assert.Equal(2, await bridge.WaitForExitAsync(Wait));
        Assert.Contains("AGENT_RUN_ID is not set", bridge.Log, StringComparison.Ordinal);
        Assert.False(Directory.Exists(scenario.Ipc), "nothing is created before the configuration is valid");
    }

    [Fact]
    public async Task Done_file_makes_the_bridge_exit_0_within_a_few_seconds()
    {
        await using var scenario = await BridgeScenario.StartAsync(output);
        var bridge = scenario.StartBridge();
        await bridge.WaitUntilReadyAsync();
        scenario.WriteAtomically("output/result.json", """{"status":"success"}""");
        await scenario.Probe.WaitForCountAsync(scenario.Subject(NatsSubjects.AgentRunCompleted), 1, Wait);

        var clock = Stopwatch.StartNew();
        scenario.WriteDone();
        var exitCode = await bridge.WaitForExitAsync(Wait);

        Assert.Equal(0, exitCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"exited {clock.Elapsed.TotalSeconds:0.0} s after the done file");
    }

    [Fact]
    public async Task Done_without_any_result_still_exits_0_after_a_short_grace()
    {
        await using var scenario = await BridgeScenario.StartAsync(output);
        var bridge = scenario.StartBridge();
        await bridge.WaitUntilReadyAsync();

        scenario.WriteDone();

        Assert.Equal(0, await bridge.WaitForExitAsync(Wait));
        Assert.Contains("No output/result.json", bridge.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Result_written_after_done_is_published_once_and_the_bridge_exits_0()
    {
        await using var scenario = await BridgeScenario.StartAsync(output);
        var bridge = scenario.StartBridge();
        await bridge.WaitUntilReadyAsync();
        scenario.WriteDone();
        await bridge.WaitForLogAsync("Agent done file seen", Wait);

        // The runner's fatal path writes done first; the watcher's report of the result ends the wait.
        scenario.WriteAtomically("output/result.json", """{"status":"error","error":"boom"}""");

        Assert.Equal(0, await bridge.WaitForExitAsync(Wait));
        Assert.Equal(1, await scenario.CountAsync(NatsSubjects.AgentRunCompleted));
        Assert.DoesNotContain("No output/result.json", bridge.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SIGTERM_with_nothing_pending_exits_0_having_published_everything()
    {
        await using var scenario = await BridgeScenario.StartAsync(output);
        var bridge = scenario.StartBridge();
        await bridge.WaitUntilReadyAsync();
        scenario.WriteAtomically("output/result.json", """{"status":"success"}""");
        await scenario.Probe.WaitForCountAsync(scenario.Subject(NatsSubjects.AgentRunCompleted), 1, Wait);

        // The kubelet stops the native sidecar after the agent container exited.
        bridge.Terminate();

        Assert.Equal(0, await bridge.WaitForExitAsync(Wait));
        Assert.Contains("Everything published; ipc-bridge exits 0", bridge.Log, StringComparison.Ordinal);
        Assert.Equal(1, await scenario.CountAsync(NatsSubjects.AgentRunCompleted));
    }

    [Fact]
    public async Task Bridge_creates_the_six_ipc_directories_under_SYMPOZIUM_ROOT()
    {
        await using var scenario = await BridgeScenario.StartAsync(output);
        var bridge = scenario.StartBridge();
        await bridge.WaitUntilReadyAsync();

        foreach (var directory in IpcPaths.BridgeDirectories)
        {
            Assert.True(Directory.Exists(IpcPaths.Resolve(directory, scenario.Root)), directory);
        }

        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute,
                File.GetUnixFileMode(Path.Combine(scenario.Ipc, "output")));
        }
    }

    [Fact]
    public async Task SIGTERM_publishes_what_is_pending_and_exits_0()
    {
        await using var scenario = await BridgeScenario.StartAsync(output);
        var bridge = scenario.StartBridge();
        await bridge.WaitUntilReadyAsync();
        scenario.WriteAtomically("messages/send-1.json", """{"channel":"telegram","text":"bye"}""");

        bridge.Terminate();

        Assert.Equal(0, await bridge.WaitForExitAsync(Wait));
        Assert.Equal(1, await scenario.CountAsync(NatsSubjects.ChannelMessageSend));
    }

    [Fact]
    public async Task Unreachable_NATS_exits_1_after_the_configured_limit_and_says_why()
    {
        await using var scenario = await BridgeScenario.StartAsync(output);
        var closedPort = TestPorts.GetFreeTcpPort();
        var clock = Stopwatch.StartNew();

        var bridge = scenario.StartBridge(env =>
        {
            env["EVENT_BUS_URL"] = $"nats://127.0.0.1:{closedPort}";
            env["EVENT_BUS_CONNECT_TIMEOUT"] = "3s";
        });

        Assert.Equal(1, await bridge.WaitForExitAsync(Wait));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(15));
        Assert.Contains("not reachable", bridge.Log, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(scenario.Ipc, "output")), "the directories exist before NATS is reached, so the agent is never blocked");
    }

    [Fact]
    public async Task Result_written_while_NATS_is_down_is_published_once_NATS_is_back()
    {
        await using var scenario = await BridgeScenario.StartAsync(output);
        await scenario.Nats.StopAsync();
        var bridge = scenario.StartBridge(env => env["EVENT_BUS_CONNECT_TIMEOUT"] = "60s");
        await bridge.WaitForLogAsync("ipc-bridge starting", Wait);

        scenario.WriteAtomically("output/result.json", """{"status":"success","response":"late"}""");
        scenario.WriteDone();
        await Task.Delay(1500);
        Assert.False(bridge.HasExited, "the bridge waits for NATS while a result is unpublished");
        await scenario.Nats.StartAgainAsync();

        Assert.Equal(0, await bridge.WaitForExitAsync(TimeSpan.FromSeconds(40)));
        Assert.Equal(1, await scenario.CountAsync(NatsSubjects.AgentRunCompleted));
    }
}
