using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Sympozium.EventBus;
using Sympozium.IpcBridge;

// The ipc-bridge sidecar (data-plane.md §3): /ipc files <-> NATS for one agent run.
IpcBridgeOptions options;
EventBusOptions busOptions;
try
{
    options = IpcBridgeOptions.FromEnvironment();
    busOptions = EventBusOptions.FromEnvironment() with { ClientName = "ipc-bridge/" + options.AgentRunId };
}
catch (FormatException e)
{
    await Console.Error.WriteLineAsync("ipc-bridge: " + e.Message);
    return BridgeExitCode.BadConfiguration;
}

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args,
    // No appsettings files (and their file watchers) in a container: configuration is the
    // environment, e.g. Logging__LogLevel__Default=Debug.
    DisableDefaults = true,
});
builder.Configuration.AddEnvironmentVariables();
builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
builder.Logging.AddSimpleConsole(console =>
{
    console.SingleLine = true;
    console.UseUtcTimestamp = true;
    console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
    console.ColorBehavior = LoggerColorBehavior.Disabled;
});
builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.DrainTimeout + TimeSpan.FromSeconds(5));
builder.Services.Configure<ConsoleLifetimeOptions>(lifetime => lifetime.SuppressStatusMessages = true);
builder.Services.AddSingleton(options);
builder.Services.AddSingleton(busOptions);
builder.Services.AddHostedService<IpcBridgeService>();

using var host = builder.Build();
await host.RunAsync();
return Environment.ExitCode;
