using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Sympozium.Api.Messages;

namespace Sympozium.Api.Tests.Messages;

/// <summary>
/// One golden file per bus and /ipc payload (Messages/Golden): the bytes a writer produces, field
/// names as upstream's peers spell them. Each payload is written from code and compared byte for
/// byte, then read back and written again, so a renamed field, a changed order or a null that
/// starts being written fails here before it reaches another component.
/// Run with UPDATE_GOLDEN=1 to rewrite the files after an intended change, then review the diff.
/// </summary>
public sealed class MessageGoldenTests
{
    private static readonly MessageJsonContext Json = MessageJsonContext.Default;

    [Fact]
    public void Agent_result_of_a_successful_run() => Golden.Check(
        "agent-result",
        new AgentResult
        {
            Status = AgentResult.Success,
            Response = "Hello",
            Metrics = new RunMetrics { DurationMs = 1234, InputTokens = 10, OutputTokens = 20, ToolCalls = 3 },
        },
        Json.AgentResult);

    [Fact]
    public void Agent_result_of_a_failed_run_has_an_error_and_no_response() => Golden.Check(
        "agent-result-error",
        new AgentResult
        {
            Status = AgentResult.Failure,
            Error = "OpenAI API error (HTTP 401): invalid key",
            Metrics = new RunMetrics { DurationMs = 900, ToolCalls = 1 },
        },
        Json.AgentResult);

    [Fact]
    public void Gated_completion_from_the_controller_has_no_metrics() => Golden.Check(
        "agent-result-gated",
        new AgentResult { Status = AgentResult.Success, Response = "a safer answer" },
        Json.AgentResult);

    [Fact]
    public void Termination_message_with_the_result_inline() => Golden.Check(
        "agent-termination-message",
        new AgentTerminationMessage
        {
            Status = AgentResult.Success,
            Result = new AgentResult { Status = AgentResult.Success, Response = "Hello", Metrics = new RunMetrics { DurationMs = 1234, InputTokens = 10, OutputTokens = 20, ToolCalls = 3 } },
            ResultSha256 = AgentTerminationMessage.Digest("""{"status":"success","response":"Hello","metrics":{"durationMs":1234,"inputTokens":10,"outputTokens":20,"toolCalls":3}}"""),
            Memory = "- the cluster has 4 nodes",
            MemorySha256 = AgentTerminationMessage.Digest("- the cluster has 4 nodes"),
        },
        Json.AgentTerminationMessage);

    [Fact]
    public void Termination_message_naming_a_large_result_by_digest() => Golden.Check(
        "agent-termination-message-digest",
        new AgentTerminationMessage { Status = AgentResult.Failure, ResultSha256 = AgentTerminationMessage.Digest("{}") },
        Json.AgentTerminationMessage);

    [Fact]
    public void Run_failure() => Golden.Check(
        "agent-run-failure",
        new AgentRunFailure { Error = "postRun hook failed" },
        Json.AgentRunFailure);

    [Fact]
    public void Stream_chunk() => Golden.Check(
        "stream-chunk",
        new StreamChunk { Type = "text", Content = "All good.", Index = 0 },
        Json.StreamChunk);

    [Fact]
    public void Task_input() => Golden.Check(
        "task-input",
        new TaskInput { Task = "check the cluster", SystemPrompt = "You are terse.", AgentId = "primary", SessionKey = "web-alice-1" },
        Json.TaskInput);

    [Fact]
    public void Inbound_channel_message() => Golden.Check(
        "inbound-message",
        new InboundMessage
        {
            Channel = "telegram",
            InstanceName = "chatty",
            SenderId = "7",
            SenderName = "Ann",
            ChatId = "-100123",
            ThreadId = "12",
            Text = "hello agent",
            MessageId = "1",
            Metadata = new()
            {
                ["messageId"] = JsonSerializer.SerializeToElement(1L, TestJson.Default.Int64),
                ["username"] = JsonSerializer.SerializeToElement("ann", TestJson.Default.String),
                ["chatType"] = JsonSerializer.SerializeToElement("supergroup", TestJson.Default.String),
            },
        },
        Json.InboundMessage);

    [Fact]
    public void Outbound_channel_message_from_the_router_always_has_a_chat_id() => Golden.Check(
        "outbound-message",
        new OutboundMessage { Channel = "slack", ChatId = "C1", ThreadId = "1700000000.000100", Text = "ok" },
        Json.OutboundMessage);

    [Fact]
    public void Outbound_channel_message_from_the_agent_leaves_out_an_absent_chat_id() => Golden.Check(
        "outbound-message-from-agent",
        new OutboundMessage { Channel = "telegram", Text = "done" },
        Json.OutboundMessage);

    [Fact]
    public void Schedule_request() => Golden.Check(
        "schedule-request",
        new ScheduleRequest { Name = "hb", Action = "create", Schedule = "*/5 * * * *", Task = "check the cluster" },
        Json.ScheduleRequest);

    [Fact]
    public void Spawn_request() => Golden.Check(
        "spawn-request",
        new SpawnRequest { Task = "draft the post", AgentId = "default", TargetPersona = "writer", PackName = "blog-team" },
        Json.SpawnRequest);

    [Fact]
    public void Exec_request() => Golden.Check(
        "exec-request",
        new ExecRequest
        {
            Id = "1767225600000000000",
            Command = "gh pr list",
            WorkDir = "/tmp",
            Timeout = 30,
            Skill = "github-gitops",
            Meta = new Dictionary<string, string> { ["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
        },
        Json.ExecRequest);

    [Fact]
    public void Exec_result() => Golden.Check(
        "exec-result",
        new ExecResult { Id = "1767225600000000000", ExitCode = 2, Stdout = "", Stderr = "boom" },
        Json.ExecResult);

    [Fact]
    public void Mcp_request() => Golden.Check(
        "mcp-request",
        new McpRequest { Id = "1", Server = "k8s", Tool = "k8s_get_pods", Arguments = new JsonObject { ["namespace"] = "default" } },
        Json.McpRequest);

    [Fact]
    public void Mcp_result() => Golden.Check(
        "mcp-result",
        new McpResult
        {
            Id = "1",
            Success = true,
            Content = JsonSerializer.SerializeToElement(
                new JsonArray(new JsonObject { ["type"] = "text", ["text"] = "a" }, new JsonObject { ["type"] = "text", ["text"] = "b" }),
                TestJson.Default.JsonArray),
        },
        Json.McpResult);

    [Fact]
    public void Mcp_tool_manifest() => Golden.Check(
        "mcp-tool-manifest",
        new McpToolManifest
        {
            Tools =
            [
                new McpToolEntry
                {
                    Name = "k8s_get_pods",
                    Description = "List pods",
                    Server = "k8s",
                    Timeout = 20,
                    InputSchema = JsonNode.Parse("""{"type":"object","properties":{"namespace":{"type":"string"}},"required":["namespace"]}"""),
                },
            ],
        },
        Json.McpToolManifest);

    [Fact]
    public void Every_payload_of_the_context_has_a_golden_file()
    {
        var payloads = new[]
        {
            "agent-result", "agent-run-failure", "stream-chunk", "task-input", "inbound-message", "outbound-message",
            "schedule-request", "spawn-request", "exec-request", "exec-result", "mcp-request", "mcp-result", "mcp-tool-manifest",
        };
        var files = Directory.GetFiles(Golden.Directory, "*.json").Select(Path.GetFileNameWithoutExtension).ToHashSet(StringComparer.Ordinal);

        Assert.All(payloads, p => Assert.Contains(p, files));
    }

    /// <summary>Compares a payload with its golden file, written from code and after a read-back.</summary>
    private static class Golden
    {
        public static string Directory { get; } = Path.Combine(RepoPaths.Root, "tests", "Sympozium.Api.Tests", "Messages", "Golden");

        public static void Check<T>(string name, T value, JsonTypeInfo<T> type)
            where T : class
        {
            var path = Path.Combine(Directory, name + ".json");
            var written = JsonSerializer.Serialize(value, type);
            if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
            {
                File.WriteAllText(path, written + "\n", new UTF8Encoding(false));
                return;
            }

            Assert.True(File.Exists(path), $"golden file {path} is missing; run the tests with UPDATE_GOLDEN=1 and review it");
            var expected = File.ReadAllText(path).TrimEnd('\n');
            Assert.Equal(expected, written);

            var read = JsonSerializer.Deserialize(expected, type);
            Assert.NotNull(read);
            Assert.Equal(expected, JsonSerializer.Serialize(read, type));
        }
    }
}
