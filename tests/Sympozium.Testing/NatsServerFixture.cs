using Xunit;

namespace Sympozium.Testing;

/// <summary>
/// One nats-server (JetStream on) shared by the tests of a class:
/// <c>public sealed class MyTests(NatsServerFixture nats) : IClassFixture&lt;NatsServerFixture&gt;</c>.
/// Tests that stop or restart the server should start their own with
/// <see cref="NatsServer.StartAsync"/> instead, so they do not disturb their neighbours.
/// </summary>
public sealed class NatsServerFixture : IAsyncLifetime
{
    private NatsServer? _server;

    /// <summary>The running server.</summary>
    public NatsServer Server => _server ?? throw new InvalidOperationException("The NATS fixture has not been initialized.");

    /// <summary>The URL clients connect to.</summary>
    public string Url => Server.Url;

    /// <inheritdoc />
    public async Task InitializeAsync() => _server = await NatsServer.StartAsync().ConfigureAwait(false);

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
    }
}
