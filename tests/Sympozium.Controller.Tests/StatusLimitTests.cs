using Sympozium.Api.Kinds;
using Sympozium.Controller.Reconcilers;

namespace Sympozium.Controller.Tests;

/// <summary>status.result and status.error are capped and say so (docs/design/agent-runs.md#results-and-memory).</summary>
public class StatusLimitTests
{
    [Fact]
    public void A_huge_result_is_cut_to_the_limit_and_ends_with_a_truncation_note()
    {
        var huge = new string('r', 1_000_000);

        var capped = AgentRunReconciler.Capped(huge, AgentRunStatus.MaxResultLength);

        Assert.InRange(capped.Length, AgentRunStatus.MaxResultLength - 8, AgentRunStatus.MaxResultLength);
        Assert.Matches(@"\n\[truncated by sympozium-controller: 1000000 characters, the first \d+ are shown\]$", capped);
        Assert.StartsWith(new string('r', 30_000), capped, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_error_is_cut_to_its_smaller_limit()
    {
        var capped = AgentRunReconciler.Capped(new string('e', 10_000), AgentRunStatus.MaxErrorLength);

        Assert.True(capped.Length <= AgentRunStatus.MaxErrorLength);
        Assert.Contains("[truncated by sympozium-controller: 10000 characters", capped, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_within_the_limit_is_unchanged_and_a_surrogate_pair_is_never_split()
    {
        Assert.Equal("short", AgentRunReconciler.Capped("short", 10));
        var emoji = string.Concat(Enumerable.Repeat("😀", 3000));

        var capped = AgentRunReconciler.Capped(emoji, AgentRunStatus.MaxErrorLength);

        var kept = capped[..capped.IndexOf('\n', StringComparison.Ordinal)];
        Assert.False(char.IsHighSurrogate(kept[^1]));
    }
}
