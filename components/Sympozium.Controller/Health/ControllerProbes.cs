using System.Net;
using Microsoft.Extensions.Logging;
using Sympozium.Hosting;

namespace Sympozium.Controller.Health;

/// <summary>
/// The controller's probes over plain HTTP, for its Deployment: <c>/healthz</c> and <c>/livez</c>
/// (the process serves) and <c>/readyz</c> (every check passes: caches synced, API server
/// reachable, event bus connected when one is configured). A failing readiness answer is 503 and
/// names each failing check.
/// </summary>
public static partial class ControllerProbes
{
    private static readonly ProbeAnswer Alive = new(200, "text/plain; charset=utf-8", "ok\n");

    /// <summary>What each path answers.</summary>
    public static HealthProbes Create(IReadOnlyList<ReadinessCheck> checks) =>
        new HealthProbes { NotFound = new(404, "text/plain; charset=utf-8", "not found: try /healthz or /readyz\n") }
            .Map(["/healthz", "/livez"], () => Alive)
            .Map("/readyz", () => ReadinessCheck.Evaluate(checks));

    /// <summary>Binds the port; a port that cannot be bound is an error at start, never a silent missing probe.</summary>
    public static async Task<HealthEndpoint> StartAsync(string host, int port, IReadOnlyList<ReadinessCheck> checks, ILogger logger)
    {
        var endpoint = new HealthEndpoint(host, port, Create(checks), e => Log.ListenerError(logger, e.Message));
        try
        {
            endpoint.Start();
        }
        catch (HttpListenerException e)
        {
            await endpoint.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"health probes: cannot listen on {host}:{port} (HEALTH_PORT, HEALTH_BIND_ADDRESS): {e.Message}", e);
        }

        Log.Listening(logger, $"{host}:{port}");
        return endpoint;
    }

    private static partial class Log
    {
        [LoggerMessage(4101, LogLevel.Information, "Health probes on {Address} (/healthz, /readyz)")]
        public static partial void Listening(ILogger logger, string address);

        [LoggerMessage(4102, LogLevel.Warning, "Health probe listener: {Reason}")]
        public static partial void ListenerError(ILogger logger, string reason);
    }
}
