using NATS.Client.Core;
using Sympozium.Testing;
using Sympozium.Testing.Probes;
using Xunit.Abstractions;

namespace Sympozium.EventBus.Tests;

/// <summary>NATS auth from the environment (upstream ran NATS without any:
/// docs/design/upstream-fixes.md#dp-7).</summary>
public sealed class AuthenticationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Token_from_NATS_TOKEN_connects_and_publishes()
    {
        await using var server = await NatsServer.StartAsync(NatsServerOptions.Default with { ExtraArguments = ["--auth", "t0ken-secret"] });
        var options = EventBusOptions.FromEnvironment(name => name switch
        {
            "EVENT_BUS_URL" => server.Url,
            "NATS_TOKEN" => "t0ken-secret",
            _ => null,
        });

        await using var bus = await TestBus.ConnectAsync(server.Url, output, _ => options with { StreamSetupAttempts = 3 });
        await bus.PublishAsync("channel.health.update", null, TestBus.Json("""{"connected":true}"""));

        await using var probe = await JetStreamProbe.ConnectAsync(server.Url, NatsAuthOpts.Default with { Token = "t0ken-secret" });
        Assert.Equal(1, await probe.CountAsync("sympozium.channel.health.update"));
    }

    [Fact]
    public async Task User_and_password_from_NATS_USER_and_NATS_PASSWORD_connect_and_publish()
    {
        await using var server = await NatsServer.StartAsync(NatsServerOptions.Default with { ExtraArguments = ["--user", "bridge", "--pass", "pa55word"] });
        var options = EventBusOptions.FromEnvironment(name => name switch
        {
            "EVENT_BUS_URL" => server.Url,
            "NATS_USER" => "bridge",
            "NATS_PASSWORD" => "pa55word",
            _ => null,
        });

        await using var bus = await TestBus.ConnectAsync(server.Url, output, _ => options with { StreamSetupAttempts = 3 });
        await bus.PublishAsync("channel.health.update", null, TestBus.Json("""{"connected":true}"""));

        await using var probe = await JetStreamProbe.ConnectAsync(server.Url, NatsAuthOpts.Default with { Username = "bridge", Password = "pa55word" });
        Assert.Equal(1, await probe.CountAsync("sympozium.channel.health.update"));
    }

    [Fact]
    public async Task Wrong_password_is_refused_and_the_error_does_not_reveal_it()
    {
        await using var server = await NatsServer.StartAsync(NatsServerOptions.Default with { ExtraArguments = ["--user", "bridge", "--pass", "pa55word"] });

        var error = await Assert.ThrowsAsync<EventBusUnavailableException>(() => TestBus.ConnectAsync(server.Url, output, o => o with
        {
            User = "bridge",
            Password = "not-the-Pa55",
            ConnectTimeout = TimeSpan.FromSeconds(2),
        }));

        Assert.DoesNotContain("not-the-Pa55", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("credentials", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_token_is_refused()
    {
        await using var server = await NatsServer.StartAsync(NatsServerOptions.Default with { ExtraArguments = ["--auth", "t0ken-secret"] });

        await Assert.ThrowsAsync<EventBusUnavailableException>(() =>
            TestBus.ConnectAsync(server.Url, output, o => o with { ConnectTimeout = TimeSpan.FromSeconds(2) }));
    }
}
