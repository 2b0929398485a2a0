using Sympozium.Api.Validation;

namespace Sympozium.Api.Tests;

/// <summary>Go durations, quantities and cron expressions parse as Kubernetes and Go would.</summary>
public class SyntaxTests
{
    [Theory]
    [InlineData("10m0s", 600)]
    [InlineData("1h30m", 5400)]
    [InlineData("90s", 90)]
    [InlineData("1.5h", 5400)]
    [InlineData("500ms", 0.5)]
    [InlineData("0", 0)]
    [InlineData("-5s", -5)]
    [InlineData("2h45m30.5s", 9930.5)]
    public void Go_durations_parse(string text, double seconds)
    {
        Assert.True(GoDuration.TryParse(text, out var value));
        Assert.Equal(seconds, value.TotalSeconds, 6);
    }

    [Theory]
    [InlineData("")]
    [InlineData("10")]
    [InlineData("10 m")]
    [InlineData("1d")]
    [InlineData("m")]
    [InlineData(".5s")]
    [InlineData("5.s")]
    [InlineData("9999999999h")]
    public void Bad_go_durations_are_refused(string text)
    {
        Assert.False(GoDuration.TryParse(text, out _));
    }

    [Theory]
    [InlineData(600, "10m0s")]
    [InlineData(5400, "1h30m0s")]
    [InlineData(90, "1m30s")]
    [InlineData(1.5, "1.5s")]
    [InlineData(0, "0s")]
    [InlineData(0.25, "250ms")]
    [InlineData(86400, "24h0m0s")]
    public void Durations_format_like_go(double seconds, string expected)
    {
        Assert.Equal(expected, GoDuration.Format(TimeSpan.FromSeconds(seconds)));
    }

    [Theory]
    [InlineData("500m", 0.5)]
    [InlineData("2", 2)]
    [InlineData("1.5", 1.5)]
    [InlineData("128Mi", 134217728)]
    [InlineData("4Gi", 4294967296)]
    [InlineData("1k", 1000)]
    [InlineData("1e3", 1000)]
    [InlineData("100n", 0.0000001)]
    public void Quantities_parse_to_base_units(string text, double expected)
    {
        Assert.True(QuantityParser.TryParse(text, out var value));
        Assert.Equal((decimal)expected, value);
    }

    [Theory]
    [InlineData("two")]
    [InlineData("4GB")]
    [InlineData("1.2.3")]
    [InlineData("")]
    [InlineData("9e999")]
    public void Bad_quantities_are_refused(string text)
    {
        Assert.False(QuantityParser.TryParse(text, out _));
    }

    [Theory]
    [InlineData("*/5 * * * *", "2026-01-02T03:04:59Z", "2026-01-02T03:05:00Z")]
    [InlineData("0 9 * * MON-FRI", "2026-01-02T09:00:00Z", "2026-01-05T09:00:00Z")] // Friday 09:00 → Monday
    [InlineData("30 8 1 * *", "2026-01-02T00:00:00Z", "2026-02-01T08:30:00Z")]
    [InlineData("0 0 29 2 *", "2026-01-01T00:00:00Z", "2028-02-29T00:00:00Z")]
    [InlineData("0 12 13 * 5", "2026-01-01T00:00:00Z", "2026-01-02T12:00:00Z")] // both day fields restricted: either matches
    [InlineData("2/5 * * * *", "2026-01-01T00:00:00Z", "2026-01-01T00:02:00Z")]
    public void Cron_next_occurrence(string cron, string after, string expected)
    {
        var next = CronExpression.Parse(cron).Next(DateTimeOffset.Parse(after, System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), next);
    }

    [Fact]
    public void Cron_that_never_fires_returns_no_next_time()
    {
        Assert.Null(CronExpression.Parse("0 0 31 2 *").Next(DateTimeOffset.UnixEpoch));
        Assert.True(CronExpression.Parse("*/15 * * * *").Matches(new DateTimeOffset(2026, 1, 1, 10, 45, 0, TimeSpan.Zero)));
        Assert.Throws<FormatException>(() => CronExpression.Parse("* * *"));
    }

    [Theory]
    [InlineData("my-run", true)]
    [InlineData("a.b-c", false)]
    [InlineData("-bad", false)]
    [InlineData("Bad", false)]
    public void Dns_labels_follow_rfc_1123(string name, bool valid)
    {
        Assert.Equal(valid, NameRules.CheckLabel(name) is null);
        Assert.NotNull(NameRules.CheckLabel(new string('a', 64)));
        Assert.Null(NameRules.CheckSubdomain("a.b-c"));
    }
}
