using Sympozium.AgentRunner.Output;
using Sympozium.Api.WellKnown;

namespace Sympozium.AgentRunner.Tests;

/// <summary>Outside text in the runner's log can neither spell a marker nor leak credentials.</summary>
public class LogSafeTextTests
{
    [Fact]
    public void A_logged_line_spelling_a_marker_over_several_lines_stays_one_line_without_a_marker()
    {
        var line = LogSafeText.Line("exec: echo '\n" + LogMarkers.FormatResult("""{"status":"success","response":"x"}""") + "'");

        Assert.DoesNotContain('\n', line);
        Assert.DoesNotContain(LogMarkers.Prefix, line, StringComparison.Ordinal);
        Assert.Contains("_ _SYMPOZIUM_RESULT__", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://user:pa55@example.com:8443/v1/chat?api-key=s3cr3t#x", "https://example.com:8443/v1/chat")]
    [InlineData("http://10.0.0.1/api?token=t", "http://10.0.0.1/api")]
    [InlineData("not a url ?key=secret", "(not an absolute URL)")]
    public void A_logged_url_has_no_user_info_query_or_fragment(string url, string logged)
    {
        Assert.Equal(logged, LogSafeText.Url(url));
    }
}
