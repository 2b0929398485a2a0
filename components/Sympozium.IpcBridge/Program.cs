using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sympozium.EventBus;
using Sympozium.Hosting;
using Sympozium.IpcBridge;

// The ipc-bridge sidecar (docs/design/ipc-protocol.md): /ipc files <-> NATS for one agent run.
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

// Configuration is the environment (e.g. Logging__LogLevel__Default=Debug); logs in the shared format.
var builder = ComponentHost.CreateBuilder(args);
builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.DrainTimeout + TimeSpan.FromSeconds(5));
builder.Services.Configure<ConsoleLifetimeOptions>(lifetime => lifetime.SuppressStatusMessages = true);
builder.Services.AddSingleton(options);
builder.Services.AddSingleton(busOptions);
builder.Services.AddHostedService<IpcBridgeService>();

using var host = builder.Build();
await host.RunAsync();
return Environment.ExitCode;
