namespace Sympozium.Channels.Tests;

public sealed class TextSplitterTests
{
    [Fact]
    public void Text_within_the_limit_is_one_part_unchanged()
    {
        Assert.Equal(["hello\nworld"], TextSplitter.Split("hello\nworld", 4096));
        Assert.Empty(TextSplitter.Split("", 4096));
    }

    [Fact]
    public void Long_text_is_cut_at_the_last_line_break_and_every_part_fits()
    {
        var text = string.Join('\n', Enumerable.Range(0, 500).Select(i => $"line {i:000} of the answer"));

        var parts = TextSplitter.Split(text, 4096);

        Assert.True(parts.Count > 1);
        Assert.All(parts, p => Assert.True(p.Length <= 4096));
        Assert.All(parts, p => Assert.StartsWith("line ", p, StringComparison.Ordinal));
        Assert.Equal(text, string.Join('\n', parts));
    }

    [Fact]
    public void Text_without_line_breaks_is_cut_at_a_space()
    {
        var text = string.Join(' ', Enumerable.Repeat("word", 30)); // 149 characters

        var parts = TextSplitter.Split(text, 50);

        Assert.All(parts, p => Assert.True(p.Length <= 50 && !p.StartsWith(' ') && !p.EndsWith(' ')));
        Assert.All(parts.SelectMany(p => p.Split(' ')), w => Assert.Equal("word", w));
        Assert.Equal(text, string.Join(' ', parts));
    }

    [Fact]
    public void Text_without_separators_is_cut_hard_but_never_inside_a_surrogate_pair()
    {
        var text = new string('x', 9) + "😀" + new string('y', 10); // the emoji spans indexes 9 and 10

        var parts = TextSplitter.Split(text, 10);

        Assert.Equal(new string('x', 9), parts[0]);
        Assert.Equal(text, string.Concat(parts));
        Assert.All(parts, p => Assert.False(char.IsHighSurrogate(p[^1])));
    }
}
