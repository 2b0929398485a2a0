using NATS.Client.Core;
using Sympozium.EventBus.Credentials;
using Sympozium.Testing;

namespace Sympozium.EventBus.Tests;

/// <summary>
/// A real nats-server in operator mode, configured exactly as the installer configures the
/// cluster's (<see cref="NatsTrust.ServerConfiguration"/>), with an issuer of user credentials.
/// Shared (linked) by the test projects that run components against an authenticated bus.
/// </summary>
public sealed class SecuredNats : IAsyncDisposable
{
    private readonly string _directory;

    private SecuredNats(NatsServer server, NatsTrust trust, string directory)
    {
        Server = server;
        Trust = trust;
        Issuer = trust.Issuer();
        _directory = directory;
    }

    public NatsServer Server { get; }

    public NatsTrust Trust { get; }

    public NatsCredentialIssuer Issuer { get; }

    public string Url => Server.Url;

    public static async Task<SecuredNats> StartAsync(NatsServerLimits? limits = null)
    {
        var trust = NatsTrust.Generate();
        var directory = Directory.CreateTempSubdirectory("sympozium-nats-auth-").FullName;
        var config = Path.Combine(directory, "server.conf");
        await File.WriteAllTextAsync(config, trust.ServerConfiguration(limits ?? new NatsServerLimits()));
        var server = await NatsServer.StartAsync(NatsServerOptions.Default with { ExtraArguments = ["-c", config] });
        return new SecuredNats(server, trust, directory);
    }

    /// <summary>Credentials with the controller's rights.</summary>
    public NatsUserCredentials Controller() => Issuer.Issue("controller", NatsPermissions.ForController(), null);

    /// <summary>Bus options for <paramref name="credentials"/>; <c>ManageStream</c> only with the controller's.</summary>
    public EventBusOptions Options(NatsUserCredentials credentials, bool manageStream = false) => EventBusOptions.Default with
    {
        Url = Url,
        Credentials = credentials,
        ManageStream = manageStream,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        StreamSetupAttempts = 3,
    };

    /// <summary>A credentials file for <paramref name="credentials"/> (as a mounted Secret holds it).</summary>
    public string WriteCredsFile(NatsUserCredentials credentials)
    {
        var path = Path.Combine(_directory, Guid.NewGuid().ToString("N") + ".creds");
        File.WriteAllText(path, credentials.ToCredsFile());
        return path;
    }

    /// <summary>Raw client auth for <paramref name="credentials"/>.</summary>
    public static NatsAuthOpts Auth(NatsUserCredentials credentials) => NatsAuthOpts.Default with { Jwt = credentials.Jwt, Seed = credentials.Seed };

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
