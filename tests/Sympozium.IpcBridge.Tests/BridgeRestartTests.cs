using Sympozium.Api.WellKnown;
using Xunit.Abstractions;

namespace Sympozium.IpcBridge.Tests;

/// <summary>
/// Each file is published exactly once even when the bridge dies mid-run (a native sidecar is
/// restarted by the kubelet): docs/design/upstream-fixes.md#dp-9.
/// </summary>
public sealed class BridgeRestartTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Bridge_killed_after_the_stream_chunk_publishes_the_result_once_after_restart_and_not_the_chunk_again()
    {
        await using var scenario = await BridgeScenario.StartAsync(output);
        var first = scenario.StartBridge();
        await first.WaitUntilReadyAsync();
        scenario.WriteAtomically("output/stream-0.json", """{"type":"text","content":"Hello","index":0}""");
        await scenario.Probe.WaitForCountAsync(scenario.Subject(NatsSubjects.AgentStreamChunk), 1, Wait);
        await first.WaitForLogAsync("Published output/stream-0.json", Wait);

        await first.KillAsync();
        scenario.WriteAtomically("output/result.json", """{"status":"success","response":"Hello"}""");
        var second = scenario.StartBridge();
        await second.WaitUntilReadyAsync();
        scenario.WriteDone();

        Assert.Equal(0, await second.WaitForExitAsync(Wait));
        Assert.Equal(1, await scenario.CountAsync(NatsSubjects.AgentStreamChunk));
        Assert.Equal(1, await scenario.CountAsync(NatsSubjects.AgentRunCompleted));
        Assert.DoesNotContain("Published output/stream-0.json", second.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Republish_after_a_crash_before_the_state_was_written_is_deduplicated_by_JetStream()
    {
        await using var scenario = await BridgeScenario.StartAsync(output);
        var first = scenario.StartBridge();
        await first.WaitUntilReadyAsync();
        scenario.WriteAtomically("output/result.json", """{"status":"success","response":"once"}""");
        await scenario.Probe.WaitForCountAsync(scenario.Subject(NatsSubjects.AgentRunCompleted), 1, Wait);
        await first.WaitForLogAsync("Published output/result.json", Wait);
        await first.KillAsync();

        // As if the crash came between the PubAck and the state line: keep only the session.
        var state = Path.Combine(scenario.Ipc, ".bridge-published");
        File.WriteAllText(state, File.ReadAllLines(state)[0] + "\n");
        var second = scenario.StartBridge();
        scenario.WriteDone();

        Assert.Equal(0, await second.WaitForExitAsync(Wait));
        Assert.Contains($"Published output/result.json to {scenario.Subject(NatsSubjects.AgentRunCompleted)} (sequence 1, duplicate True)", second.Log, StringComparison.Ordinal);
        Assert.Equal(1, await scenario.CountAsync(NatsSubjects.AgentRunCompleted));
    }

    [Fact]
    public async Task Bridge_restarted_after_the_run_finished_exits_0_at_once_without_republishing()
    {
        await using var scenario = await BridgeScenario.StartAsync(output);
        scenario.WriteAtomically("output/result.json", """{"status":"success"}""");
        scenario.WriteAtomically("messages/send-1.json", """{"channel":"telegram","text":"hi"}""");
        scenario.WriteDone();
        var first = scenario.StartBridge();
        Assert.Equal(0, await first.WaitForExitAsync(Wait));

        // A native sidecar (restartPolicy: Always) is started again after it exits.
        var again = scenario.StartBridge();

        Assert.Equal(0, await again.WaitForExitAsync(Wait));
        Assert.Equal(1, await scenario.CountAsync(NatsSubjects.AgentRunCompleted));
        Assert.Equal(1, await scenario.CountAsync(NatsSubjects.ChannelMessageSend));
        Assert.DoesNotContain("Published", again.Log, StringComparison.Ordinal);
    }
}
