using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sympozium.Controller;
using Sympozium.Controller.Channels;
using Sympozium.Controller.Reconcilers;
using Sympozium.Controller.Health;
using Sympozium.Controller.Runs;
using Sympozium.Api.WellKnown;
using Sympozium.EventBus;
using Sympozium.EventBus.Credentials;
using Sympozium.Hosting;
using Sympozium.Kubernetes.Client;

// The controller manager (docs/design/controller.md). Configuration is the environment: in a pod the
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

var builder = ComponentHost.CreateBuilder(args);
builder.Services.AddSingleton(options);
builder.Services.AddSingleton(_ => KubernetesConnection.FromEnvironment());
builder.Services.AddHostedService<ControllerService>();
using var host = builder.Build();
await host.RunAsync();
return 0;

/// <summary>Runs the <see cref="ControllerManager"/>, the health probes and the bus connection for the life of the process.</summary>
internal sealed class ControllerService(KubernetesConnection connection, ControllerOptions options, ILoggerFactory loggers) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        BackgroundBusRunEvents? events = null;
        if (options.EventBusUrl is { } url)
        {
            var busOptions = EventBusOptions.FromEnvironment() with { Url = url, ClientName = "sympozium-controller" };
            if (options.NatsIssuer is { } issuer)
            {
                // Its own credentials, minted in memory: the signing key never leaves this process.
                busOptions = busOptions with { Credentials = issuer.Issue("controller", NatsPermissions.ForController(), lifetime: null) };
            }
            else
            {
                loggers.CreateLogger("Sympozium.Controller").LogWarning("No NATS signing key ({Variable} is not set): agent and channel pods get no NATS credentials of their own", EnvironmentVariables.NatsSigningKeyDirectory);
            }

            events = new BackgroundBusRunEvents(busOptions, loggers);
        }

        // The channel router needs the bus; it runs on the leader once the bus is connected.
        Func<CancellationToken, Task>? router = events is null ? null : async leading =>
        {
            try
            {
                var bus = await events.WaitConnectedAsync(leading);
                try
                {
                    // Channel pods record the parts of split replies there but may not create streams
                    // (docs/design/channels.md#outbound-delivery).
                    await bus.EnsureBucketAsync(KeyValueBucket.OutboundProgress, leading);
                }
                catch (EventBusUnavailableException)
                {
                    // Logged; the pods keep their progress in memory until a later term creates it.
                }

                await new ChannelRouter(new Clients(connection), bus, loggers.CreateLogger("Sympozium.Controller.ChannelRouter")).RunAsync(leading);
            }
            catch (OperationCanceledException) when (leading.IsCancellationRequested)
            {
                // The term ended.
            }
        };
        var manager = new ControllerManager(connection, options, loggers, runEvents: events, whileLeading: router);
        var api = new ApiServerProbe(connection);
        var checks = new List<ReadinessCheck>
        {
            new("caches", () => manager.IsReady ? (true, "every informer has synced") : (false, "informers are still listing")),
            new("api-server", () => api.Current),
        };
        if (events is not null)
        {
            checks.Add(new("event-bus", () => events.IsAvailable ? (true, $"connected to {options.EventBusUrl}") : (false, $"not connected to {options.EventBusUrl} (retrying); agent.run.failed events wait")));
        }

        await using var health = options.HealthPort > 0
            ? await ControllerProbes.StartAsync(options.HealthBindAddress, options.HealthPort, checks, loggers.CreateLogger("Sympozium.Controller.Health"))
            : null;
        try
        {
            await Task.WhenAll(
                manager.RunAsync(stoppingToken),
                api.RunAsync(stoppingToken));
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
