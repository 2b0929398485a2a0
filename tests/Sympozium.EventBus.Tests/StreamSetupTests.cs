using NATS.Client.JetStream.Models;
using Sympozium.Api.WellKnown;
using Sympozium.Testing;
using Sympozium.Testing.Probes;
using Xunit.Abstractions;

namespace Sympozium.EventBus.Tests;

public sealed class StreamSetupTests(NatsServerFixture nats, ITestOutputHelper output) : IClassFixture<NatsServerFixture>
{
    [Fact]
    public async Task Stream_setup_is_idempotent_and_matches_upstream_with_a_restart_safe_duplicate_window()
    {
        await using var first = await TestBus.ConnectAsync(nats.Url, output);
        await using var second = await TestBus.ConnectAsync(nats.Url, output);
        await first.EnsureStreamAsync();
        await second.EnsureStreamAsync();

        await using var probe = await JetStreamProbe.ConnectAsync(nats.Url);
        var config = (await probe.JetStream.GetStreamAsync(NatsSubjects.Stream)).Info.Config;
        Assert.Equal(["sympozium.>"], config.Subjects);
        Assert.Equal(StreamConfigRetention.Limits, config.Retention);
        Assert.Equal(StreamConfigStorage.File, config.Storage);
        Assert.Equal(TimeSpan.FromHours(24), config.MaxAge);
        Assert.Equal(TimeSpan.FromMinutes(10), config.DuplicateWindow);
        Assert.Equal(1, config.NumReplicas);
    }

    [Fact]
    public async Task Stream_created_by_an_upstream_process_is_updated_to_our_duplicate_window()
    {
        await using var server = await NatsServer.StartAsync();
        await using var probe = await JetStreamProbe.ConnectAsync(server.Url);
        await probe.JetStream.CreateStreamAsync(new StreamConfig(NatsSubjects.Stream, [NatsSubjects.All])
        {
            Storage = StreamConfigStorage.File,
            MaxAge = TimeSpan.FromHours(24),
        });

        await using var bus = await TestBus.ConnectAsync(server.Url, output);

        var config = (await probe.JetStream.GetStreamAsync(NatsSubjects.Stream)).Info.Config;
        Assert.Equal(TimeSpan.FromMinutes(10), config.DuplicateWindow);
    }

    [Fact]
    public async Task Unreachable_server_fails_with_a_message_naming_the_url_after_the_connect_timeout()
    {
        var port = TestPorts.GetFreeTcpPort();
        var started = DateTime.UtcNow;

        var error = await Assert.ThrowsAsync<EventBusUnavailableException>(() =>
            TestBus.ConnectAsync($"nats://127.0.0.1:{port}", output, o => o with { ConnectTimeout = TimeSpan.FromSeconds(2) }));

        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(15));
    }
}
