namespace Sympozium.Kubernetes.Tests;

public sealed class ObjectKeyTests
{
    [Theory]
    [InlineData("team-a/r1", "team-a", "r1")]
    [InlineData("cluster-wide", null, "cluster-wide")]
    public void A_key_round_trips_through_its_cache_key_text(string text, string? ns, string name)
    {
        var key = ObjectKey.Parse(text);

        Assert.Equal(new ObjectKey(ns, name), key);
        Assert.Equal(text, key.ToString());
    }

    [Fact]
    public void An_empty_namespace_means_cluster_scoped()
    {
        Assert.Equal(new ObjectKey(null, "n"), new ObjectKey("", "n"));
        Assert.Equal("n", new ObjectKey("", "n").ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("/r1")]
    [InlineData("team-a/")]
    [InlineData("a/b/c")]
    public void Text_that_is_not_a_key_is_rejected(string text)
    {
        var error = Assert.Throws<FormatException>(() => ObjectKey.Parse(text));
        Assert.Contains("namespace/name", error.Message, StringComparison.Ordinal);
    }
}
