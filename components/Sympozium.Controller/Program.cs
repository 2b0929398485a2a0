using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Sympozium.Controller;
using Sympozium.Controller.Runs;
using Sympozium.EventBus;
using Sympozium.Kubernetes.Client;

// The controller manager (control-plane.md §2). Configuration is the environment: in a pod the
// service account, elsewhere $KUBECONFIG or ~/.kube/config.
ControllerOptions options;
try
{
    options = ControllerOptions.FromEnvironment(Environment.GetEnvironmentVariable);
}
catch (FormatException e)
{
    await Console.Error.WriteLineAsync("controller: " + e.Message);
    return 2;
}

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, DisableDefaults = true });
builder.Configuration.AddEnvironmentVariables();
builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
builder.Logging.AddSimpleConsole(console =>
{
    console.SingleLine = true;
    console.UseUtcTimestamp = true;
    console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
    console.ColorBehavior = LoggerColorBehavior.Disabled;
});
builder.Services.AddSingleton(options);
builder.Services.AddSingleton(_ => KubernetesConnection.FromEnvironment());
builder.Services.AddHostedService<ControllerService>();
using var host = builder.Build();
await host.RunAsync();
return 0;

/// <summary>Runs the <see cref="ControllerManager"/> for the life of the process.</summary>
internal sealed class ControllerService(KubernetesConnection connection, ControllerOptions options, ILoggerFactory loggers) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        BackgroundBusRunEvents? events = null;
        if (options.EventBusUrl is { } url)
        {
            var busOptions = EventBusOptions.FromEnvironment() with { Url = url, ClientName = "sympozium-controller" };
            events = new BackgroundBusRunEvents(busOptions, loggers);
        }

        try
        {
            await new ControllerManager(connection, options, loggers, runEvents: events).RunAsync(stoppingToken);
        }
        finally
        {
            if (events is not null)
            {
                await events.DisposeAsync();
            }
        }
    }
}
