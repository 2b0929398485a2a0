using System.Text.Json;
using Sympozium.Api.WellKnown;
using Xunit.Abstractions;

namespace Sympozium.IpcBridge.Tests;

/// <summary>Events addressed to the run land in /ipc as complete files
/// (docs/design/ipc-protocol.md#inbound-subscriptions).</summary>
public sealed class BridgeInboundTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Fact]
    public async Task Followup_published_to_NATS_appears_in_input_as_a_complete_file()
    {
        await using var scenario = await BridgeScenario.StartAsync(output);
        var bridge = scenario.StartBridge();
        await bridge.WaitUntilReadyAsync();
        await using var bus = await scenario.ConnectBusAsync();

        await scenario.PublishToRunAsync(bus, NatsSubjects.AgentFollowup, Json("""{"text":"and also this"}"""));

        var file = await WaitForFileAsync(Path.Combine(scenario.Ipc, "input"), "followup-*.json");
        Assert.Matches(@"^followup-\d+\.json$", Path.GetFileName(file));
        Assert.True(BridgeScenario.SameJson("""{"text":"and also this"}""", File.ReadAllBytes(file)));
        Assert.Empty(Directory.GetFiles(Path.Combine(scenario.Ipc, "input"), "*.tmp"));
    }

    [Fact]
    public async Task Followup_published_before_the_bridge_subscribed_is_still_delivered()
    {
        await using var scenario = await BridgeScenario.StartAsync(output);
        await using (var bus = await scenario.ConnectBusAsync())
        {
            await scenario.PublishToRunAsync(bus, NatsSubjects.AgentFollowup, Json("""{"text":"early"}"""));
            await scenario.PublishToRunAsync(bus, NatsSubjects.AgentFollowup, Json("""{"text":"not mine"}"""), runUid: Guid.NewGuid().ToString());
        }

        var bridge = scenario.StartBridge();
        await bridge.WaitUntilReadyAsync();

        var file = await WaitForFileAsync(Path.Combine(scenario.Ipc, "input"), "followup-*.json");
        Assert.True(BridgeScenario.SameJson("""{"text":"early"}""", File.ReadAllBytes(file)));
        await Task.Delay(500);
        Assert.Single(Directory.GetFiles(Path.Combine(scenario.Ipc, "input"), "followup-*.json"));
    }

    [Fact]
    public async Task Exec_result_is_written_under_the_name_the_runner_waits_for()
    {
        await using var scenario = await BridgeScenario.StartAsync(output);
        var bridge = scenario.StartBridge();
        await bridge.WaitUntilReadyAsync();
        await using var bus = await scenario.ConnectBusAsync();
        const string result = """{"id":"call-42","exitCode":0,"stdout":"ok","stderr":""}""";

        await scenario.PublishToRunAsync(bus, NatsSubjects.ToolExecResult, Json(result));

        var file = await WaitForFileAsync(Path.Combine(scenario.Ipc, "tools"), "exec-result-call-42.json");
        Assert.True(BridgeScenario.SameJson(result, File.ReadAllBytes(file)));
        Assert.Equal(0, await scenario.CountAsync(NatsSubjects.ToolExecRequest));
    }

    [Fact]
    public async Task Exec_result_whose_id_is_a_path_is_not_written_anywhere()
    {
        await using var scenario = await BridgeScenario.StartAsync(output);
        var bridge = scenario.StartBridge();
        await bridge.WaitUntilReadyAsync();
        await using var bus = await scenario.ConnectBusAsync();

        await scenario.PublishToRunAsync(bus, NatsSubjects.ToolExecResult, Json("""{"id":"../../evil","exitCode":0}"""));

        await bridge.WaitForLogAsync("has no usable id ('../../evil')", Wait);
        Assert.Empty(Directory.GetFiles(scenario.Root, "*evil*", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(Path.Combine(scenario.Ipc, "tools")));
    }

    [Fact]
    public async Task Exec_result_the_agent_could_not_read_is_not_written()
    {
        await using var scenario = await BridgeScenario.StartAsync(output);
        var bridge = scenario.StartBridge();
        await bridge.WaitUntilReadyAsync();
        await using var bus = await scenario.ConnectBusAsync();

        await scenario.PublishToRunAsync(bus, NatsSubjects.ToolExecResult, Json("""{"id":"call-7","exitCode":"boom"}"""));

        await bridge.WaitForLogAsync("has no usable id ('(none)')", Wait);
        Assert.Empty(Directory.GetFiles(Path.Combine(scenario.Ipc, "tools")));
    }

    private static async Task<string> WaitForFileAsync(string directory, string pattern)
    {
        using var deadline = new CancellationTokenSource(Wait);
        while (true)
        {
            var found = Directory.Exists(directory) ? Directory.GetFiles(directory, pattern) : [];
            if (found.Length > 0)
            {
                return found[0];
            }

            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"No {pattern} in {directory} within {Wait.TotalSeconds:0} s.");
            }

            await Task.Delay(50);
        }
    }
}
