using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sympozium.Hosting;

namespace Sympozium.Channels;

/// <summary>What a platform is built from: the common options, the environment and logging.</summary>
public sealed record ChannelSetup(ChannelOptions Options, EnvironmentReader Environment, ILoggerFactory LoggerFactory);

/// <summary>
/// The whole <c>Program.cs</c> of a channel executable: read the environment, build the host
/// (<see cref="ComponentHost"/>: environment configuration, the shared console log format,
/// SIGTERM), run <see cref="ChannelService"/>.
/// </summary>
public static class ChannelHost
{
    /// <summary>Runs the channel until SIGTERM; returns the process exit code (<see cref="ChannelExitCode"/>).</summary>
    /// <param name="channel">The channel type, e.g. <c>telegram</c>.</param>
    /// <param name="args">Command-line arguments (configuration overrides).</param>
    /// <param name="createPlatform">Reads the platform's own settings and builds it; may throw <see cref="ChannelConfigurationException"/>.</param>
    public static async Task<int> RunAsync(string channel, string[] args, Func<ChannelSetup, IChannelPlatform> createPlatform)
    {
        ArgumentNullException.ThrowIfNull(createPlatform);
        var environment = new EnvironmentReader();
        ChannelOptions options;
        try
        {
            options = ChannelOptions.FromEnvironment(channel, environment);
        }
        catch (ChannelConfigurationException e)
        {
            await Console.Error.WriteLineAsync($"channel-{channel}: {e.Message}").ConfigureAwait(false);
            return ChannelExitCode.BadConfiguration;
        }

        var builder = ComponentHost.CreateBuilder(args);
        builder.Services.Configure<ConsoleLifetimeOptions>(lifetime => lifetime.SuppressStatusMessages = true);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(20));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<ChannelHealth>();
        builder.Services.AddSingleton(services =>
            createPlatform(new ChannelSetup(options, environment, services.GetRequiredService<ILoggerFactory>())));
        builder.Services.AddHostedService<ChannelService>();

        using var host = builder.Build();
        try
        {
            // Built here, not lazily inside the hosted service, so a bad setting exits 2 at once.
            host.Services.GetRequiredService<IChannelPlatform>();
        }
        catch (ChannelConfigurationException e)
        {
            await Console.Error.WriteLineAsync($"channel-{channel}: {e.Message}").ConfigureAwait(false);
            return ChannelExitCode.BadConfiguration;
        }

        await host.RunAsync().ConfigureAwait(false);
        return Environment.ExitCode;
    }
}
