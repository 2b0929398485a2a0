using System.Net;
using Sympozium.Api.WellKnown;
using Sympozium.EventBus;

namespace Sympozium.Channels;

/// <summary>
/// What every channel pod is told by its Deployment (InstanceChildrenBuilder.ChannelDeployment):
/// which instance it serves, where the bus is and where to answer health probes. Platform
/// settings (tokens, API URLs) live in the platform's own options. Change with <c>with</c>.
/// </summary>
public sealed record ChannelOptions
{
    public const string InstanceVariable = EnvironmentVariables.InstanceName;
    public const string NamespaceVariable = EnvironmentVariables.PodNamespace;
    public const string HealthPortVariable = EnvironmentVariables.HealthPort;
    public const string BindAddressVariable = EnvironmentVariables.PodIp;

    /// <summary>Health port (default: 8080, as upstream; env HEALTH_PORT).</summary>
    public const int DefaultHealthPort = 8080;

    /// <summary>The channel type: <c>telegram</c>, <c>slack</c>, … (the executable decides).</summary>
    public required string Channel { get; init; }

    /// <summary>The SympoziumInstance this pod serves (env INSTANCE_NAME).</summary>
    public required string InstanceName { get; init; }

    /// <summary>The instance's namespace (env POD_NAMESPACE, from the downward API).</summary>
    public required string Namespace { get; init; }

    /// <summary>Port of <c>/healthz</c> (default: 8080, env HEALTH_PORT).</summary>
    public int HealthPort { get; init; } = DefaultHealthPort;

    /// <summary>
    /// Address the pod's HTTP servers bind (default: every address; env POD_IP when the
    /// Deployment passes status.podIP, as the local cluster's kubelet requires).
    /// </summary>
    public IPAddress? BindAddress { get; init; }

    /// <summary>The event bus (env EVENT_BUS_URL, NATS_TOKEN, …).</summary>
    public required EventBusOptions EventBus { get; init; }

    /// <summary>Retries of replies the platform cannot take (env OUTBOUND_RETRY_SCHEDULE, OUTBOUND_ACK_WAIT).</summary>
    public OutboundDeliveryOptions Outbound { get; init; } = OutboundDeliveryOptions.Default;

    /// <summary>Envelope metadata of everything this pod publishes.</summary>
    public IReadOnlyDictionary<string, string> Metadata => new Dictionary<string, string>
    {
        [Sympozium.Api.WellKnown.NatsSubjects.Metadata.InstanceName] = InstanceName,
        [Sympozium.Api.WellKnown.NatsSubjects.Metadata.Namespace] = Namespace,
        [Sympozium.Api.WellKnown.NatsSubjects.Metadata.Channel] = Channel,
    };

    /// <summary>Reads the common settings; throws <see cref="ChannelConfigurationException"/> naming the variable.</summary>
    public static ChannelOptions FromEnvironment(string channel, EnvironmentReader? environment = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        environment ??= new EnvironmentReader();
        const string FromDeployment = "the channel Deployment (the controller sets it)";
        var instance = environment.Required(InstanceVariable, FromDeployment);
        var ns = environment.Required(NamespaceVariable, FromDeployment + " from the downward API, metadata.namespace");

        IPAddress? bind = null;
        if (environment.Optional(BindAddressVariable) is { } address && !IPAddress.TryParse(address, out bind))
        {
            throw new ChannelConfigurationException($"{BindAddressVariable}='{address}' is not an IP address: pass status.podIP through the downward API, or leave it unset to bind every address.");
        }

        EventBusOptions bus;
        try
        {
            bus = EventBusOptions.FromEnvironment(environment.Lookup) with { ClientName = $"channel-{channel}/{ns}/{instance}" };
        }
        catch (FormatException e)
        {
            throw new ChannelConfigurationException(e.Message, e);
        }

        return new ChannelOptions
        {
            Channel = channel,
            InstanceName = instance,
            Namespace = ns,
            HealthPort = environment.Port(HealthPortVariable, DefaultHealthPort),
            BindAddress = bind,
            EventBus = bus,
            Outbound = OutboundDeliveryOptions.FromEnvironment(environment),
        };
    }
}
