using System.Text.Json;
using Sympozium.Api.Messages;

namespace Sympozium.Api.Tests.Messages;

/// <summary>
/// How readers take payloads from peers that are not ours: upstream's Go components (which match
/// names case-insensitively and leave out empty fields) and shell-scripted sidecars.
/// </summary>
public sealed class MessageReadingTests
{
    private static readonly MessageJsonContext Json = MessageJsonContext.Default;

    [Fact]
    public void A_field_the_peer_left_out_reads_as_null_whatever_its_initial_value()
    {
        var result = JsonSerializer.Deserialize("""{"response":"hi"}""", Json.AgentResult)!;
        var message = JsonSerializer.Deserialize("""{"chatId":"C1"}""", Json.OutboundMessage)!;

        Assert.Equal((null, "hi", null), (result.Status, result.Response, result.Metrics));
        Assert.Equal((null, null), (message.Channel, message.Text));
    }

    [Fact]
    public void Field_names_are_matched_case_insensitively_as_go_does()
    {
        var message = JsonSerializer.Deserialize("""{"Channel":"slack","ChatID":"C1","Text":"hi"}""", Json.OutboundMessage)!;

        Assert.Equal(("slack", "C1", "hi"), (message.Channel, message.ChatId, message.Text));
    }

    [Fact]
    public void Numbers_a_shell_sidecar_writes_as_strings_are_read()
    {
        var result = JsonSerializer.Deserialize("""{"id":"1","exitCode":"124","stdout":"","stderr":"","timedOut":true}""", Json.ExecResult)!;
        var entry = JsonSerializer.Deserialize("""{"tools":[{"name":"t","timeout":"15"}]}""", Json.McpToolManifest)!.Tools![0];
        var metrics = JsonSerializer.Deserialize("""{"status":"success","metrics":{"durationMs":"5","inputTokens":1}}""", Json.AgentResult)!.Metrics!;

        Assert.Equal((124, true), (result.ExitCode, result.TimedOut));
        Assert.Equal(15, entry.Timeout);
        Assert.Equal((5, 1), (metrics.DurationMs, metrics.InputTokens));
    }

    [Fact]
    public void An_upstream_inbound_message_has_no_message_id_but_metadata()
    {
        var message = JsonSerializer.Deserialize(
            """{"channel":"telegram","instanceName":"alice","senderId":"1","senderName":"A","chatId":"-100","text":"hi","metadata":{"messageId":5}}""",
            Json.InboundMessage)!;

        Assert.Equal((null, "-100", 5), (message.MessageId, message.ChatId, message.Metadata!["messageId"].GetInt32()));
    }

    [Fact]
    public void Unknown_fields_of_a_newer_peer_are_ignored()
    {
        var result = JsonSerializer.Deserialize("""{"status":"error","error":"x","metrics":{"durationMs":1,"subagentSpawns":2}}""", Json.AgentResult)!;

        Assert.Equal((AgentResult.Failure, "x", 1L), (result.Status, result.Error, result.Metrics!.DurationMs));
    }
}
