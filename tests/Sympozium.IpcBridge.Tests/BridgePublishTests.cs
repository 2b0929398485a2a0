using System.Text.Json.Nodes;
using Sympozium.Api.WellKnown;
using Xunit.Abstractions;

namespace Sympozium.IpcBridge.Tests;

/// <summary>What the bridge publishes for each /ipc file
/// (docs/design/ipc-protocol.md#bridge-routes).</summary>
public sealed class BridgePublishTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Result_renamed_into_place_is_published_once_on_agent_run_completed_with_the_file_as_data()
    {
        await using var scenario = await BridgeScenario.StartAsync(output);
        var bridge = scenario.StartBridge();
        await bridge.WaitUntilReadyAsync();
        const string result = """{"status":"success","response":"Hello","metrics":{"durationMs":1234,"inputTokens":10,"outputTokens":20,"toolCalls":3}}""";

        scenario.WriteAtomically("output/result.json", result);
        await scenario.Probe.WaitForCountAsync(scenario.Subject(NatsSubjects.AgentRunCompleted), 1, Wait);
        scenario.WriteDone();

        Assert.Equal(0, await bridge.WaitForExitAsync(Wait));
        var stored = Assert.Single(await scenario.ReadAsync(NatsSubjects.AgentRunCompleted));
        Assert.Equal(scenario.Subject(NatsSubjects.AgentRunCompleted), stored.Subject);
        var envelope = JsonNode.Parse(stored.Body)!;
        Assert.Equal("agent.run.completed", envelope["topic"]!.GetValue<string>());
        Assert.Equal(scenario.RunId, envelope["metadata"]!["agentRunID"]!.GetValue<string>());
        Assert.Equal("alice", envelope["metadata"]!["instanceName"]!.GetValue<string>());
        Assert.Equal("team-a", envelope["metadata"]!["namespace"]!.GetValue<string>());
        Assert.True(BridgeScenario.SameJson(result, stored.Envelope.Data));
        Assert.EndsWith(":output/result.json", stored.MessageId, StringComparison.Ordinal);
        Assert.StartsWith(scenario.RunId + ":", stored.MessageId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Result_written_before_the_bridge_started_is_found_by_the_startup_scan()
    {
        await using var scenario = await BridgeScenario.StartAsync(output);
        scenario.WriteAtomically("output/stream-0.json", """{"type":"text","content":"Hello","index":0}""");
        scenario.WriteAtomically("output/result.json", """{"status":"success","response":"Hello"}""");
        scenario.WriteDone();

        var bridge = scenario.StartBridge();

        Assert.Equal(0, await bridge.WaitForExitAsync(Wait));
        Assert.Equal(1, await scenario.CountAsync(NatsSubjects.AgentRunCompleted));
        Assert.Equal(1, await scenario.CountAsync(NatsSubjects.AgentStreamChunk));
        var all = await scenario.Probe.ReadAsync("sympozium.>");
        Assert.Equal([scenario.Subject(NatsSubjects.AgentStreamChunk), scenario.Subject(NatsSubjects.AgentRunCompleted)], all.Select(e => e.Subject));
    }

    [Fact]
    public async Task Gate_mode_publishes_neither_result_nor_stream_chunk_but_still_exits_0()
    {
        await using var scenario = await BridgeScenario.StartAsync(output);
        var bridge = scenario.StartBridge(env => env["GATE_SUPPRESS_COMPLETION"] = "true");
        await bridge.WaitUntilReadyAsync();

        scenario.WriteAtomically("output/stream-0.json", """{"type":"text","content":"draft","index":0}""");
        scenario.WriteAtomically("output/result.json", """{"status":"success","response":"draft"}""");
        scenario.WriteAtomically("messages/send-1.json", """{"channel":"telegram","text":"hi"}""");
        scenario.WriteDone();

        Assert.Equal(0, await bridge.WaitForExitAsync(Wait));
        Assert.Equal(0, await scenario.CountAsync(NatsSubjects.AgentRunCompleted));
        Assert.Equal(0, await scenario.CountAsync(NatsSubjects.AgentStreamChunk));
        Assert.Equal(1, await scenario.CountAsync(NatsSubjects.ChannelMessageSend));
        Assert.Contains("Gate mode: output/result.json not published", bridge.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Messages_schedules_spawn_status_and_exec_requests_go_to_their_subjects()
    {
        await using var scenario = await BridgeScenario.StartAsync(output);
        var bridge = scenario.StartBridge();
        await bridge.WaitUntilReadyAsync();

        scenario.WriteAtomically("messages/send-1.json", """{"channel":"slack","chatId":"C1","text":"hi"}""");
        scenario.WriteAtomically("schedules/x.json", """{"name":"hb","action":"create","schedule":"*/5 * * * *","task":"t"}""");
        scenario.WriteAtomically("spawn/r.json", """{"task":"sub","agentId":"default"}""");
        scenario.WriteAtomically("output/status.json", """{"phase":"thinking"}""");
        scenario.WriteAtomically("tools/exec-request-abc.json", """{"id":"abc","command":"ls"}""");
        scenario.WriteDone();

        Assert.Equal(0, await bridge.WaitForExitAsync(Wait));
        Assert.Equal(1, await scenario.CountAsync(NatsSubjects.ChannelMessageSend));
        Assert.Equal(1, await scenario.CountAsync(NatsSubjects.ScheduleUpsert));
        Assert.Equal(1, await scenario.CountAsync(NatsSubjects.AgentSpawnRequest));
        Assert.Equal(1, await scenario.CountAsync(NatsSubjects.AgentStatusUpdate));
        Assert.Equal(1, await scenario.CountAsync(NatsSubjects.ToolExecRequest));
        var schedule = Assert.Single(await scenario.ReadAsync(NatsSubjects.ScheduleUpsert));
        Assert.Equal("hb", schedule.Envelope.Data.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Files_that_are_not_for_the_bus_are_left_alone()
    {
        await using var scenario = await BridgeScenario.StartAsync(output);
        var bridge = scenario.StartBridge();
        await bridge.WaitUntilReadyAsync();

        scenario.WriteAtomically("input/task.json", """{"task":"t"}""");
        scenario.WriteAtomically("tools/exec-result-abc.json", """{"id":"abc","exitCode":0}""");
        scenario.WriteAtomically("tools/mcp-tools.json", """{"tools":[]}""");
        scenario.WriteAtomically("messages/.hidden.json", """{"text":"no"}""");
        File.WriteAllText(Path.Combine(scenario.Ipc, "messages/send-2.json.tmp"), """{"text":"half"}""");
        scenario.WriteAtomically("output/other.json", """{}""");
        scenario.WriteDone();

        Assert.Equal(0, await bridge.WaitForExitAsync(Wait));
        Assert.Empty(await scenario.Probe.ReadAsync("sympozium.>"));
    }

    [Fact]
    public async Task File_that_is_not_JSON_is_reported_and_published_nowhere_never_as_null()
    {
        await using var scenario = await BridgeScenario.StartAsync(output);
        var bridge = scenario.StartBridge();
        await bridge.WaitUntilReadyAsync();

        scenario.WriteAtomically("messages/send-1.json", "this is not json");
        scenario.WriteAtomically("output/result.json", "");
        scenario.WriteDone();

        Assert.Equal(0, await bridge.WaitForExitAsync(Wait));
        Assert.Empty(await scenario.Probe.ReadAsync("sympozium.>"));
        Assert.Contains("messages/send-1.json (16 bytes) is not valid JSON", bridge.Log, StringComparison.Ordinal);
        Assert.Contains("output/result.json (0 bytes) is not valid JSON", bridge.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Writer_that_does_not_rename_is_read_only_once_its_file_is_complete()
    {
        await using var scenario = await BridgeScenario.StartAsync(output);
        var bridge = scenario.StartBridge();
        await bridge.WaitUntilReadyAsync();
        const string result = """{"status":"success","response":"written in two steps"}""";

        // Upstream's runner creates and writes in place: the bridge sees the file half written.
        await using (var file = new FileStream(Path.Combine(scenario.Ipc, "output/result.json"), FileMode.CreateNew))
        {
            await file.WriteAsync("""{"status":"succ"""u8.ToArray());
            await file.FlushAsync();
            await Task.Delay(400);
            await file.WriteAsync(System.Text.Encoding.UTF8.GetBytes(result["""{"status":"succ""".Length..]));
        }

        scenario.WriteDone();

        Assert.Equal(0, await bridge.WaitForExitAsync(Wait));
        var stored = Assert.Single(await scenario.ReadAsync(NatsSubjects.AgentRunCompleted));
        Assert.True(BridgeScenario.SameJson(result, stored.Envelope.Data));
    }

    [Fact]
    public async Task Rewriting_an_already_published_file_does_not_publish_it_again()
    {
        await using var scenario = await BridgeScenario.StartAsync(output);
        var bridge = scenario.StartBridge();
        await bridge.WaitUntilReadyAsync();

        scenario.WriteAtomically("output/stream-0.json", """{"type":"text","content":"one","index":0}""");
        await scenario.Probe.WaitForCountAsync(scenario.Subject(NatsSubjects.AgentStreamChunk), 1, Wait);
        File.Delete(Path.Combine(scenario.Ipc, "output/stream-0.json"));
        scenario.WriteAtomically("output/stream-0.json", """{"type":"text","content":"two","index":0}""");
        await Task.Delay(2500); // At least one full rescan.
        scenario.WriteDone();

        Assert.Equal(0, await bridge.WaitForExitAsync(Wait));
        var stored = Assert.Single(await scenario.ReadAsync(NatsSubjects.AgentStreamChunk));
        Assert.Equal("one", stored.Envelope.Data.GetProperty("content").GetString());
    }
}
