using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Sympozium.Hosting;

/// <summary>The generic host of a Sympozium executable, configured the same way in every one.</summary>
public static class ComponentHost
{
    /// <summary>
    /// A host builder whose configuration is the environment and the command line only (no
    /// appsettings files, and so none of their file watchers, in a container), with log levels
    /// from <c>Logging__LogLevel__*</c> (e.g. <c>Logging__LogLevel__Default=Debug</c>) and the
    /// shared console format (<see cref="ConsoleLogging"/>).
    /// </summary>
    public static HostApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, DisableDefaults = true });
        builder.Configuration.AddEnvironmentVariables();
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.AddSympoziumConsole();
        return builder;
    }
}
