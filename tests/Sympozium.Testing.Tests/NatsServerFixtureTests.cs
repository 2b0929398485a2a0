using NATS.Client.Core;

namespace Sympozium.Testing.Tests;

public sealed class NatsServerFixtureTests(NatsServerFixture fixture) : IClassFixture<NatsServerFixture>
{
    [Fact]
    public async Task Fixture_server_is_running_and_answers_a_ping()
    {
        await using var nats = new NatsConnection(NatsOpts.Default with { Url = fixture.Url });

        var rtt = await nats.PingAsync(Nats.Timeout());

        Assert.True(fixture.Server.IsRunning);
        Assert.True(rtt >= TimeSpan.Zero);
    }

    [Fact]
    public void Fixture_exposes_the_server_url()
    {
        Assert.Equal(fixture.Server.Url, fixture.Url);
        Assert.StartsWith("nats://127.0.0.1:", fixture.Url, StringComparison.Ordinal);
    }
}
