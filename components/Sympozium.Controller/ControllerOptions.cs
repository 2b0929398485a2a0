using System.Globalization;
using Sympozium.Api.WellKnown;
using Sympozium.Controller.Builders;

namespace Sympozium.Controller;

/// <summary>The controller's settings, from the environment the Deployment sets. Defaults live here.</summary>
public sealed record ControllerOptions
{
    /// <summary>Namespace of the controller (env POD_NAMESPACE; default sympozium-system): the lease and system objects live there.</summary>
    public string Namespace { get; init; } = Defaults.SystemNamespace;

    /// <summary>Elect a leader before reconciling (env LEADER_ELECT; default true).</summary>
    public bool LeaderElection { get; init; } = true;

    /// <summary>Workers per reconciler (env CONTROLLER_WORKERS; default 2).</summary>
    public int Workers { get; init; } = 2;

    /// <summary>
    /// Workers of the AgentRun reconciler (env RUN_WORKERS; default 4). Starting a run is a
    /// handful of API round trips and no CPU to speak of, and runs come in bursts (a schedule, a
    /// team of agents): with two workers a burst of runs waits on API latency, not on the controller.
    /// </summary>
    public int RunWorkers { get; init; } = 4;

    /// <summary>Completed runs kept per instance (env MAX_RUN_HISTORY; default 50).</summary>
    public int MaxRunHistory { get; init; } = Defaults.RunHistoryLimit;

    /// <summary>
    /// The controller's own event-bus URL (env NATS_URL, else EVENT_BUS_URL); null disables
    /// publishing <c>agent.run.failed</c> (reconciling goes on without the bus).
    /// </summary>
    public string? EventBusUrl { get; init; }

    /// <summary>Port of /healthz and /readyz (env HEALTH_PORT; default 8081; 0 turns them off).</summary>
    public int HealthPort { get; init; } = 8081;

    /// <summary>Address of the health probes (env HEALTH_BIND_ADDRESS, else POD_IP, else every interface).</summary>
    public string HealthBindAddress { get; init; } = "+";

    /// <summary>ttlSecondsAfterFinished of agent and postRun Jobs (env JOB_TTL_SECONDS; default 300).</summary>
    public int JobTtlSeconds { get; init; } = Builders.AgentPodBuilder.TtlSecondsAfterFinished;

    /// <summary>
    /// Mints NATS credentials (the controller's own, each run's, each channel pod's) from the
    /// account signing key mounted at NATS_SIGNING_KEY_DIR; null where NATS runs without
    /// authentication (then pods connect as the bus URL and NATS_TOKEN/NATS_USER say).
    /// </summary>
    public EventBus.Credentials.NatsCredentialIssuer? NatsIssuer { get; init; }

    /// <summary>Images and the event bus URL injected into pods.</summary>
    public ControllerImages Images { get; init; } = ControllerImages.Default;

    /// <summary>Reads the options; a malformed number is reported with the variable's name.</summary>
    public static ControllerOptions FromEnvironment(Func<string, string?> get)
    {
        ArgumentNullException.ThrowIfNull(get);
        int Integer(string name, int fallback, int min)
        {
            var text = get(name);
            if (string.IsNullOrEmpty(text))
            {
                return fallback;
            }

            return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min
                ? value
                : throw new FormatException($"{name}=\"{text}\" must be an integer ≥ {min}");
        }

        return new ControllerOptions
        {
            Namespace = get(EnvironmentVariables.PodNamespace) is { Length: > 0 } ns ? ns : Defaults.SystemNamespace,
            LeaderElection = get("LEADER_ELECT") is not ("false" or "0"),
            Workers = Integer("CONTROLLER_WORKERS", 2, 1),
            RunWorkers = Integer("RUN_WORKERS", 4, 1),
            EventBusUrl = get(EnvironmentVariables.NatsUrl) is { Length: > 0 } nats ? nats : get(EnvironmentVariables.EventBusUrl) is { Length: > 0 } eventBus ? eventBus : null,
            HealthPort = Integer(EnvironmentVariables.HealthPort, 8081, 0),
            JobTtlSeconds = Integer("JOB_TTL_SECONDS", Builders.AgentPodBuilder.TtlSecondsAfterFinished, 0),
            HealthBindAddress = get("HEALTH_BIND_ADDRESS") is { Length: > 0 } bind ? bind : get(EnvironmentVariables.PodIp) is { Length: > 0 } podIp ? podIp : "+",
            MaxRunHistory = Integer("MAX_RUN_HISTORY", Defaults.RunHistoryLimit, 1),
            NatsIssuer = get(EnvironmentVariables.NatsSigningKeyDirectory) is { Length: > 0 } keys ? EventBus.Credentials.NatsCredentialIssuer.FromDirectory(IpcPaths.Resolve(keys, get(IpcPaths.RootVariable))) : null,
            Images = new ControllerImages
            {
                Registry = get(Defaults.ImageRegistryVariable) is { Length: > 0 } registry ? registry : Defaults.ImageRegistry,
                Tag = get(Defaults.ImageTagVariable) is { Length: > 0 } tag ? tag : "latest",
                EventBusUrl = get(EnvironmentVariables.EventBusUrl) is { Length: > 0 } bus ? bus : Defaults.EventBusUrl,
            },
        };
    }
}
