using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;
using Sympozium.EventBus.Credentials;
using Sympozium.Kubernetes;
using Sympozium.Kubernetes.Pods;

namespace Sympozium.Controller.Builders;

/// <summary>
/// The objects a SympoziumInstance owns (docs/design/instances.md#instance-reconciler): a
/// Deployment per channel (and a PVC for WhatsApp), the memory ConfigMap, and the memory server
/// (PVC, Deployment, Service). Unlike upstream, channel and memory pods get the instance's image
/// pull Secrets, resource bounds and a restricted security context.
/// </summary>
public static class InstanceChildrenBuilder
{
    public const int MemoryServerPort = 8080;

    public static string ChannelDeploymentName(string instance, string channelType) => $"{instance}-channel-{channelType}";

    public static string MemoryName(string instance) => instance + "-memory";

    /// <summary>URL of the instance's memory server, as agents reach it.</summary>
    public static string MemoryServerUrl(string instance, string ns) => $"http://{MemoryName(instance)}.{ns}.svc:{MemoryServerPort}";

    /// <param name="instance">The owner.</param>
    /// <param name="channel">The channel entry.</param>
    /// <param name="images">Images and the bus URL.</param>
    /// <param name="busCredentials">Mount the channel's NATS credentials Secret (<see cref="BusCredentialsBuilder.ChannelSecret"/>).</param>
    public static V1Deployment ChannelDeployment(SympoziumInstance instance, ChannelSpec channel, ControllerImages images, bool busCredentials = false)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(images);
        var name = instance.Metadata.Name!;
        var labels = new Dictionary<string, string>
        {
            [Labels.Component] = Labels.Components.Channel,
            [Labels.Channel] = channel.Type,
            [Labels.Instance] = name,
        };
        var observability = instance.Spec.Observability;
        var container = new V1Container
        {
            Name = "channel",
            Image = images.Image("channel-" + channel.Type),
            ImagePullPolicy = "IfNotPresent",
            Env =
            [
                EnvVars.Value(EnvironmentVariables.InstanceName, name),
                EnvVars.Value(EnvironmentVariables.AgentNamespace, instance.Metadata.Namespace),
                EnvVars.Value(EnvironmentVariables.PodNamespace, instance.Metadata.Namespace),

                // The address to serve /healthz on (each pod has its own in the local cluster).
                EnvVars.FromField(EnvironmentVariables.PodIp, "status.podIP"),
                EnvVars.Value(EnvironmentVariables.EventBusUrl, images.EventBusUrl),
                EnvVars.Value(EnvironmentVariables.OtelExporterOtlpEndpoint, observability?.Enabled == true ? observability.OtlpEndpoint ?? "" : ""),
                EnvVars.Value(EnvironmentVariables.OtelExporterOtlpProtocol, "grpc"),
                EnvVars.Value(EnvironmentVariables.OtelServiceName, "sympozium-channel-" + channel.Type),
            ],
            EnvFrom = channel.ConfigRef is { Secret.Length: > 0 } configRef
                ? [new V1EnvFromSource { SecretRef = new V1SecretEnvSource { Name = configRef.Secret } }]
                : null,
            Resources = ContainerResources.Bounded("20m", "32Mi", "200m", "128Mi"),
            SecurityContext = ContainerSecurity.Restricted(),

            // Ready = connected to the platform and the bus; the instance reports Connected from this.
            ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/healthz", Port = 8080 }, PeriodSeconds = 10 },
        };
        var pod = new V1PodSpec
        {
            Containers = [container],
            ImagePullSecrets = PullSecrets.From(instance.Spec.ImagePullSecrets),
            SecurityContext = PodSecurity.NonRoot(),
        };
        var strategy = (V1DeploymentStrategy?)null;
        if (channel.Type == "whatsapp")
        {
            // One linked device per account: never two pods at once.
            strategy = new V1DeploymentStrategy { Type = "Recreate" };
            container.VolumeMounts = [VolumeMounts.Of("whatsapp-data", "/data")];
            pod.Volumes = [new V1Volume { Name = "whatsapp-data", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = WhatsAppClaimName(name) } }];
        }

        if (busCredentials)
        {
            foreach (var variable in BusCredentialsBuilder.Environment(NatsPermissions.ForChannel(instance.Metadata.Namespace!, name, channel.Type).InboxPrefix))
            {
                container.Env.Add(variable);
            }

            container.VolumeMounts = [.. container.VolumeMounts ?? [], BusCredentialsBuilder.Mount()];
            pod.Volumes = [.. pod.Volumes ?? [], BusCredentialsBuilder.VolumeFor(BusCredentialsBuilder.ChannelSecretName(name, channel.Type))];
        }

        return new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = Meta(ChannelDeploymentName(name, channel.Type), instance, labels),
            Spec = new V1DeploymentSpec
            {
                Replicas = 1,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>(labels) },
                Strategy = strategy,
                Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string>(labels) }, Spec = pod },
            },
        };
    }

    public static string WhatsAppClaimName(string instance) => $"{instance}-channel-whatsapp-data";

    public static V1PersistentVolumeClaim WhatsAppClaim(SympoziumInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var name = instance.Metadata.Name!;
        return Claim(WhatsAppClaimName(name), "256Mi", instance, new Dictionary<string, string>
        {
            [Labels.Component] = Labels.Components.Channel,
            [Labels.Channel] = "whatsapp",
            [Labels.Instance] = name,
        });
    }

    /// <summary>The memory ConfigMap with the empty-memory placeholder (created once, never overwritten).</summary>
    public static V1ConfigMap MemoryConfigMap(SympoziumInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var name = instance.Metadata.Name!;
        return new V1ConfigMap
        {
            ApiVersion = "v1",
            Kind = "ConfigMap",
            Metadata = Meta(MemoryName(name), instance, new Dictionary<string, string> { [Labels.Instance] = name, [Labels.Component] = Labels.Components.Memory }),
            Data = new Dictionary<string, string> { ["MEMORY.md"] = LogMarkers.EmptyMemory + "\n" },
        };
    }

    public static V1PersistentVolumeClaim MemoryClaim(SympoziumInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var name = instance.Metadata.Name!;
        return Claim(name + "-memory-db", "1Gi", instance, new Dictionary<string, string> { [Labels.Instance] = name, [Labels.Component] = Labels.Components.MemoryDb });
    }

    public static V1Deployment MemoryServerDeployment(SympoziumInstance instance, ControllerImages images)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(images);
        var name = instance.Metadata.Name!;
        var labels = MemoryLabels(name);
        V1Probe Probe(int period, int? failures = null, int? delay = null) => new()
        {
            HttpGet = new V1HTTPGetAction { Path = "/health", Port = "http" },
            PeriodSeconds = period,
            FailureThreshold = failures,
            InitialDelaySeconds = delay,
        };

        return new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = Meta(MemoryName(name), instance, labels),
            Spec = new V1DeploymentSpec
            {
                Replicas = 1,
                Strategy = new V1DeploymentStrategy { Type = "Recreate" },
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>(labels) },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string>(labels) },
                    Spec = new V1PodSpec
                    {
                        ImagePullSecrets = PullSecrets.From(instance.Spec.ImagePullSecrets),
                        SecurityContext = PodSecurity.NonRoot(),
                        Containers =
                        [
                            new V1Container
                            {
                                Name = "memory-server",
                                Image = images.Image("skill-memory"),
                                ImagePullPolicy = "IfNotPresent",
                                Ports = [new V1ContainerPort { Name = "http", ContainerPort = MemoryServerPort, Protocol = "TCP" }],
                                Env =
                                [
                                    EnvVars.Value(EnvironmentVariables.MemoryDbPath, "/data/memory.db"),
                                    EnvVars.Value(EnvironmentVariables.MemoryPort, MemoryServerPort.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                                ],
                                VolumeMounts = [VolumeMounts.Of("memory-db", "/data")],
                                StartupProbe = Probe(2, failures: 30),
                                ReadinessProbe = Probe(10),
                                LivenessProbe = Probe(30, delay: 5),
                                Resources = ContainerResources.Bounded("50m", "64Mi", "200m", "128Mi"),
                                SecurityContext = ContainerSecurity.Restricted(),
                            },
                        ],
                        Volumes = [new V1Volume { Name = "memory-db", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = name + "-memory-db" } }],
                    },
                },
            },
        };
    }

    public static V1Service MemoryServerService(SympoziumInstance instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var name = instance.Metadata.Name!;
        var labels = MemoryLabels(name);
        return new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = Meta(MemoryName(name), instance, labels),
            Spec = new V1ServiceSpec
            {
                Selector = new Dictionary<string, string>(labels),
                Ports = [new V1ServicePort { Name = "http", Port = MemoryServerPort, TargetPort = MemoryServerPort, Protocol = "TCP" }],
            },
        };
    }

    private static Dictionary<string, string> MemoryLabels(string instance) =>
        new() { [Labels.Component] = Labels.Components.Memory, [Labels.Instance] = instance };

    private static V1PersistentVolumeClaim Claim(string name, string size, SympoziumInstance instance, Dictionary<string, string> labels) => new()
    {
        ApiVersion = "v1",
        Kind = "PersistentVolumeClaim",
        Metadata = Meta(name, instance, labels),
        Spec = new V1PersistentVolumeClaimSpec
        {
            AccessModes = ["ReadWriteOnce"],
            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(size) } },
        },
    };

    private static V1ObjectMeta Meta(string name, SympoziumInstance instance, Dictionary<string, string> labels) => new()
    {
        Name = name,
        NamespaceProperty = instance.Metadata.Namespace,
        Labels = labels,
        OwnerReferences = [ControllerReference.For(instance)],
    };
}
