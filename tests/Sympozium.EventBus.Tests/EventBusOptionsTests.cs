namespace Sympozium.EventBus.Tests;

public sealed class EventBusOptionsTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void Without_environment_the_bus_is_the_in_cluster_service_without_auth()
    {
        var options = EventBusOptions.FromEnvironment(Env());

        Assert.Equal("nats://nats.sympozium-system.svc:4222", options.Url);
        Assert.Equal("none", options.AuthenticationKind);
        Assert.Equal(TimeSpan.FromHours(24), options.StreamMaxAge);
        Assert.True(options.DuplicateWindow >= TimeSpan.FromMinutes(5));
    }

    [Fact]
    public void Url_token_and_user_password_are_read_from_the_pod_environment()
    {
        var token = EventBusOptions.FromEnvironment(Env(("EVENT_BUS_URL", "nats://n:4222"), ("NATS_TOKEN", "s3cret")));
        var user = EventBusOptions.FromEnvironment(Env(("NATS_USER", "bridge"), ("NATS_PASSWORD", "pw")));

        Assert.Equal("nats://n:4222", token.Url);
        Assert.Equal("s3cret", token.Token);
        Assert.Equal("token", token.AuthenticationKind);
        Assert.Equal(("bridge", "pw"), (user.User, user.Password));
        Assert.Equal("user/password", user.AuthenticationKind);
    }

    [Fact]
    public void Password_without_user_is_rejected_naming_both_variables()
    {
        var error = Assert.Throws<FormatException>(() => EventBusOptions.FromEnvironment(Env(("NATS_PASSWORD", "pw"))));

        Assert.Contains("NATS_PASSWORD", error.Message, StringComparison.Ordinal);
        Assert.Contains("NATS_USER", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pw", error.Message.Replace("NATS_PASSWORD", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_never_shows_a_token_a_password_or_credentials_in_the_url()
    {
        var options = EventBusOptions.Default with
        {
            Url = "nats://admin:hunter2@nats:4222",
            Token = "tok-123",
            User = "u",
            Password = "pa55",
        };

        var text = options.ToString();

        Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-123", text, StringComparison.Ordinal);
        Assert.DoesNotContain("pa55", text, StringComparison.Ordinal);
        Assert.Contains("nats://***@nats:4222", text, StringComparison.Ordinal);
        Assert.Equal("nats://***@a:1,nats://b:2", (EventBusOptions.Default with { Url = "nats://x:y@a:1,nats://b:2" }).RedactedUrl);
    }

    [Theory]
    [InlineData("90", 90)]
    [InlineData("90s", 90)]
    [InlineData("2m", 120)]
    [InlineData("1m30s", 90)]
    public void Connect_timeout_accepts_seconds_and_Go_durations(string text, int seconds)
    {
        var options = EventBusOptions.FromEnvironment(Env(("EVENT_BUS_CONNECT_TIMEOUT", text)));

        Assert.Equal(TimeSpan.FromSeconds(seconds), options.ConnectTimeout);
    }

    [Fact]
    public void Connect_timeout_of_zero_means_retry_forever_and_nonsense_is_rejected()
    {
        Assert.Equal(Timeout.InfiniteTimeSpan, EventBusOptions.FromEnvironment(Env(("EVENT_BUS_CONNECT_TIMEOUT", "0"))).ConnectTimeout);
        var error = Assert.Throws<FormatException>(() => EventBusOptions.FromEnvironment(Env(("EVENT_BUS_CONNECT_TIMEOUT", "soon"))));
        Assert.Contains("EVENT_BUS_CONNECT_TIMEOUT", error.Message, StringComparison.Ordinal);
    }
}
