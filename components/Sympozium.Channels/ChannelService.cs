using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sympozium.Channels.Internal;
using Sympozium.Channels.Serialization;
using Sympozium.EventBus;
using Sympozium.Hosting;

namespace Sympozium.Channels;

/// <summary>
/// A channel pod's lifetime: <c>/healthz</c> at once (503 until connected), the bus (retried
/// until reachable), the outbound consumer, then the platform's receive loop. The platform
/// starts only after the bus is up, so nothing it receives has to be dropped or buffered.
/// </summary>
public sealed class ChannelService(
    ChannelOptions options,
    IChannelPlatform platform,
    ChannelHealth health,
    ILoggerFactory loggerFactory,
    IHostApplicationLifetime lifetime) : BackgroundService
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("Sympozium.Channels");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            Log.Crashed(_logger, options.Channel, e);
            Environment.ExitCode = ChannelExitCode.Failed;
        }

        lifetime.StopApplication();
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        Log.Starting(_logger, options.Channel, options.Namespace, options.InstanceName, options.EventBus.RedactedUrl, options.HealthPort);
        await using var healthEndpoint = new HealthEndpoint(options.BindAddress, options.HealthPort, Probes());
        try
        {
            healthEndpoint.Start();
        }
        catch (HttpListenerException e)
        {
            throw new InvalidOperationException($"Cannot serve /healthz on {healthEndpoint.Prefix}: {e.Message} (set {ChannelOptions.HealthPortVariable}).", e);
        }

        await using var bus = await ConnectAsync(stoppingToken).ConfigureAwait(false);
        health.TrackBus(() => bus.IsConnected);

        var outboundLogger = loggerFactory.CreateLogger<OutboundConsumer>();
        var outbound = new OutboundConsumer(platform, options, outboundLogger, new OutboundProgress(bus, outboundLogger));
        var subscription = OutboundConsumer.Subscription(options);
        // Waits until the consumer exists: it starts with events published after its creation.
        await using var consumer = await bus.SubscribeAsync(subscription, outbound.HandleAsync, stoppingToken).ConfigureAwait(false);
        Log.Ready(_logger, options.Channel, subscription.DurableName!);

        var inbound = new InboundPublisher(bus, options, loggerFactory.CreateLogger<InboundPublisher>());
        await platform.ReceiveAsync(inbound, health, stoppingToken).ConfigureAwait(false);
    }

    private async Task<NatsEventBus> ConnectAsync(CancellationToken stoppingToken)
    {
        // A channel pod has nothing to do without the bus, and exiting would only restart it:
        // keep trying, unready, until NATS answers.
        while (true)
        {
            try
            {
                return await NatsEventBus.ConnectAsync(options.EventBus, loggerFactory, stoppingToken).ConfigureAwait(false);
            }
            catch (EventBusUnavailableException e)
            {
                Log.BusUnavailable(_logger, e.Message);
            }
        }
    }

    /// <summary><c>/livez</c>: the process serves; <c>/healthz</c> and <c>/readyz</c>: the JSON report, 503 until platform and bus are connected.</summary>
    private HealthProbes Probes() =>
        new HealthProbes()
            .Map("/livez", () => new ProbeAnswer(200, "text/plain", "ok"))
            .Map(["/healthz", "/readyz"], () =>
            {
                var report = health.Report(options);
                return new ProbeAnswer(report.Status == "ok" ? 200 : 503, "application/json", JsonSerializer.Serialize(report, ChannelJsonContext.Default.HealthReport));
            });
}
