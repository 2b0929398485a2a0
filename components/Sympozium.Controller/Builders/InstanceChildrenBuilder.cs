using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;

namespace Sympozium.Controller.Builders;

/// <summary>
/// The objects a SympoziumInstance owns (control-plane.md §2.2): a Deployment per channel (and a
/// PVC for WhatsApp), the memory ConfigMap, and the memory server (PVC, Deployment, Service).
/// Unlike upstream, channel and memory pods get the instance's image pull Secrets, resource
/// bounds and a restricted security context.
/// </summary>
public static class InstanceChildrenBuilder
{
    public const int MemoryServerPort = 8080;

    public static string ChannelDeploymentName(string instance, string channelType) => $"{instance}-channel-{channelType}";

    public static string MemoryName(string instance) => instance + "-memory";

    /// <summary>URL of the instance's memory server, as agents reach it.</summary>
    public static string MemoryServerUrl(string instance, string ns) => $"http://{MemoryName(instance)}.{ns}.svc:{MemoryServerPort}";

    public static V1Deployment ChannelDeployment(SympoziumInstance instance, ChannelSpec channel, ControllerImages images)
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
                new V1EnvVar { Name = "INSTANCE_NAME", Value = name },
                new V1EnvVar { Name = "AGENT_NAMESPACE", Value = instance.Metadata.Namespace },
                new V1EnvVar { Name = "POD_NAMESPACE", Value = instance.Metadata.Namespace },

                // The address to serve /healthz on (each pod has its own in the local cluster).
                new V1EnvVar { Name = "POD_IP", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "status.podIP" } } },
                new V1EnvVar { Name = "EVENT_BUS_URL", Value = images.EventBusUrl },
                new V1EnvVar { Name = "OTEL_EXPORTER_OTLP_ENDPOINT", Value = observability?.Enabled == true ? observability.OtlpEndpoint ?? "" : "" },
                new V1EnvVar { Name = "OTEL_EXPORTER_OTLP_PROTOCOL", Value = "grpc" },
                new V1EnvVar { Name = "OTEL_SERVICE_NAME", Value = "sympozium-channel-" + channel.Type },
            ],
            EnvFrom = channel.ConfigRef is { Secret.Length: > 0 } configRef
                ? [new V1EnvFromSource { SecretRef = new V1SecretEnvSource { Name = configRef.Secret } }]
                : null,
            Resources = new V1ResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("20m"), ["memory"] = new("32Mi") },
                Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("200m"), ["memory"] = new("128Mi") },
            },
            SecurityContext = new V1SecurityContext { ReadOnlyRootFilesystem = true, AllowPrivilegeEscalation = false, Capabilities = new V1Capabilities { Drop = ["ALL"] } },

            // Ready = connected to the platform and the bus; the instance reports Connected from this.
            ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/healthz", Port = 8080 }, PeriodSeconds = 10 },
        };
        var pod = new V1PodSpec
        {
            Containers = [container],
            ImagePullSecrets = PullSecrets(instance),
            SecurityContext = new V1PodSecurityContext { RunAsNonRoot = true, RunAsUser = 1000, FsGroup = 1000, SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" } },
        };
        var strategy = (V1DeploymentStrategy?)null;
        if (channel.Type == "whatsapp")
        {
            // One linked device per account: never two pods at once.
            strategy = new V1DeploymentStrategy { Type = "Recreate" };
            container.VolumeMounts = [new V1VolumeMount { Name = "whatsapp-data", MountPath = "/data" }];
            pod.Volumes = [new V1Volume { Name = "whatsapp-data", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = WhatsAppClaimName(name) } }];
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
                        ImagePullSecrets = PullSecrets(instance),
                        SecurityContext = new V1PodSecurityContext { RunAsNonRoot = true, RunAsUser = 1000, FsGroup = 1000, SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" } },
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
                                    new V1EnvVar { Name = "MEMORY_DB_PATH", Value = "/data/memory.db" },
                                    new V1EnvVar { Name = "MEMORY_PORT", Value = MemoryServerPort.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                                ],
                                VolumeMounts = [new V1VolumeMount { Name = "memory-db", MountPath = "/data" }],
                                StartupProbe = Probe(2, failures: 30),
                                ReadinessProbe = Probe(10),
                                LivenessProbe = Probe(30, delay: 5),
                                Resources = new V1ResourceRequirements
                                {
                                    Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("50m"), ["memory"] = new("64Mi") },
                                    Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("200m"), ["memory"] = new("128Mi") },
                                },
                                SecurityContext = new V1SecurityContext { ReadOnlyRootFilesystem = true, AllowPrivilegeEscalation = false, Capabilities = new V1Capabilities { Drop = ["ALL"] } },
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

    private static List<V1LocalObjectReference>? PullSecrets(SympoziumInstance instance) =>
        instance.Spec.ImagePullSecrets is { Count: > 0 } secrets ? [.. secrets.Select(s => new V1LocalObjectReference { Name = s.Name })] : null;

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
        OwnerReferences =
        [
            new V1OwnerReference
            {
                ApiVersion = instance.ApiVersion,
                Kind = instance.Kind,
                Name = instance.Metadata.Name,
                Uid = instance.Metadata.Uid ?? "",
                Controller = true,
                BlockOwnerDeletion = true,
            },
        ],
    };
}
