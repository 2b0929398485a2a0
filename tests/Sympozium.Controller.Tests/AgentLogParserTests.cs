using Sympozium.Api.WellKnown;
using Sympozium.Controller.Results;

namespace Sympozium.Controller.Tests;

/// <summary>Outcome extraction from the agent log (docs/design/agent-runs.md#results-and-memory).</summary>
public class AgentLogParserTests
{
    [Fact]
    public void Success_marker_gives_the_result_and_token_usage()
    {
        var log = "starting\n" + LogMarkers.FormatResult("""{"status":"success","response":"hi","metrics":{"inputTokens":3,"outputTokens":4,"toolCalls":1,"durationMs":9}}""");

        var outcome = AgentLogParser.Parse(log);

        Assert.True(outcome.Succeeded);
        Assert.Equal("hi", outcome.Result);
        Assert.Equal((3L, 4L, 7L, 1L, 9L), (outcome.Usage!.InputTokens, outcome.Usage.OutputTokens, outcome.Usage.TotalTokens, outcome.Usage.ToolCalls, outcome.Usage.DurationMs));
    }

    [Fact]
    public void Error_marker_gives_the_error_or_a_default()
    {
        Assert.Equal("boom", AgentLogParser.Parse(LogMarkers.FormatResult("""{"status":"error","error":" boom "}""")).Error);
        Assert.Equal("agent run failed", AgentLogParser.Parse(LogMarkers.FormatResult("""{"status":"error"}""")).Error);
        Assert.False(AgentLogParser.Parse(LogMarkers.FormatResult("""{"status":"error"}""")).Succeeded);
    }

    [Fact]
    public void Zero_tokens_mean_no_usage()
    {
        Assert.Null(AgentLogParser.Parse(LogMarkers.FormatResult("""{"status":"success","response":"x","metrics":{"inputTokens":0,"outputTokens":0}}""")).Usage);
    }

    [Fact]
    public void Without_a_marker_the_last_rate_limit_line_is_the_error()
    {
        var log = "calling model\nOpenAI API error (HTTP 429):   Rate limit   reached for gpt-4o\nretrying\n";

        var outcome = AgentLogParser.Parse(log);

        Assert.Null(outcome.Succeeded);
        Assert.Equal("OpenAI API error (HTTP 429): Rate limit reached for gpt-4o", outcome.Error);
        Assert.Null(AgentLogParser.Parse("nothing useful\n").Error);
        Assert.Equal(500, AgentLogParser.RateLimitLine("quota " + new string('x', 900))!.Length);
    }

    [Fact]
    public void A_long_result_early_in_a_long_log_is_not_lost()
    {
        // Upstream tailed 80 lines; a multi-line answer followed by shutdown noise vanished.
        var answer = string.Join("\\n", Enumerable.Range(1, 200).Select(i => $"line {i}"));
        var log = LogMarkers.FormatResult($$"""{"status":"success","response":"{{answer}}"}""") + string.Concat(Enumerable.Range(0, 300).Select(i => $"sidecar noise {i}\n"));

        var outcome = AgentLogParser.Parse(log);

        Assert.StartsWith("line 1\nline 2", outcome.Result, StringComparison.Ordinal);
        Assert.EndsWith("line 200", outcome.Result, StringComparison.Ordinal);
    }

    [Fact]
    public void Memory_block_is_returned_with_the_outcome()
    {
        var memory = string.Join("\n", Enumerable.Range(1, 150).Select(i => $"- fact {i}"));
        var log = LogMarkers.FormatMemory(memory) + LogMarkers.FormatResult("""{"status":"success","response":"ok"}""");

        var outcome = AgentLogParser.Parse(log);

        Assert.Equal(memory, outcome.MemoryUpdate);
        Assert.Equal("ok", outcome.Result);
    }

    [Fact]
    public void An_unterminated_or_invalid_marker_yields_nothing()
    {
        Assert.Null(AgentLogParser.Parse(LogMarkers.ResultStart + """{"status":"success" """).Succeeded);
        Assert.Null(AgentLogParser.Parse(LogMarkers.FormatResult("not json")).Succeeded);
    }
}
