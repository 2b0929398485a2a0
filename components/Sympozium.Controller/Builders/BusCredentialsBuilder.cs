using System.Text;
using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;
using Sympozium.EventBus.Credentials;
using Sympozium.Kubernetes;
using Sympozium.Kubernetes.Pods;

namespace Sympozium.Controller.Builders;

/// <summary>
/// The NATS credentials the controller mints for the pods that talk to the bus
/// (docs/design/event-bus.md#credentials): a Secret per run (its ipc-bridge; owned by the run,
/// expiring with the run's timeout) and per channel Deployment (owned by the instance), mounted
/// read-only into that one container, never into the agent.
/// </summary>
public static class BusCredentialsBuilder
{
    public const string Volume = "nats-credentials";
    public const string MountPath = "/var/run/sympozium/nats";
    public const string FileName = "user.creds";

    /// <summary>The signing key a Secret's credentials were minted with (stale after a reinstall).</summary>
    public const string SigningKeyAnnotation = Labels.Prefix + "nats-signing-key";

    /// <summary>How long run credentials outlive the run's timeout: scheduling, image pulls and the bridge's drain.</summary>
    public static readonly TimeSpan RunSlack = TimeSpan.FromMinutes(10);

    public static string RunSecretName(AgentRun run) => Truncate(run.Metadata.Name + "-nats");

    public static string ChannelSecretName(string instance, string channelType) => Truncate(InstanceChildrenBuilder.ChannelDeploymentName(instance, channelType) + "-nats");

    /// <summary>A run's credentials: its own subjects only, valid for <paramref name="timeout"/> plus <see cref="RunSlack"/>.</summary>
    public static V1Secret RunSecret(AgentRun run, TimeSpan timeout, NatsCredentialIssuer issuer)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(issuer);
        var ns = run.Metadata.Namespace!;
        var credentials = issuer.Issue($"run {ns}/{run.Metadata.Name}", NatsPermissions.ForRun(ns, run.Metadata.Uid!), timeout + RunSlack);
        return Secret(RunSecretName(run), ns, credentials, issuer, run, new Dictionary<string, string>
        {
            [Labels.AgentRun] = run.Metadata.Name!,
            [Labels.Instance] = run.Spec.InstanceRef,
            [Labels.Component] = "nats-credentials",
        });
    }

    /// <summary>A channel pod's credentials: its instance's and channel type's subjects only.</summary>
    public static V1Secret ChannelSecret(SympoziumInstance instance, string channelType, NatsCredentialIssuer issuer)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(issuer);
        var ns = instance.Metadata.Namespace!;
        var name = instance.Metadata.Name!;
        var credentials = issuer.Issue($"channel {channelType} {ns}/{name}", NatsPermissions.ForChannel(ns, name, channelType), lifetime: null);
        return Secret(ChannelSecretName(name, channelType), ns, credentials, issuer, instance, new Dictionary<string, string>
        {
            [Labels.Instance] = name,
            [Labels.Channel] = channelType,
            [Labels.Component] = "nats-credentials",
        });
    }

    /// <summary>Whether a Secret holds credentials of <paramref name="issuer"/>'s signing key.</summary>
    public static bool IsCurrent(V1Secret secret, NatsCredentialIssuer issuer) =>
        secret.Metadata.Annotations is { } annotations && annotations.TryGetValue(SigningKeyAnnotation, out var key) && key == issuer.SigningPublicKey &&
        secret.Data?.ContainsKey(FileName) == true;

    /// <summary>The environment of a container that connects with the Secret's credentials.</summary>
    public static IEnumerable<V1EnvVar> Environment(string inboxPrefix) =>
    [
        EnvVars.Value(EnvironmentVariables.NatsCredentials, MountPath + "/" + FileName),
        EnvVars.Value(EnvironmentVariables.NatsInboxPrefix, inboxPrefix),
        EnvVars.Value(EnvironmentVariables.EventBusManageStream, "false"),
    ];

    public static V1Volume VolumeFor(string secretName) =>
        new() { Name = Volume, Secret = new V1SecretVolumeSource { SecretName = secretName, DefaultMode = 0x124 /* 0444: the container's non-root user reads it */ } };

    public static V1VolumeMount Mount() => new() { Name = Volume, MountPath = MountPath, ReadOnlyProperty = true };

    private static V1Secret Secret(string name, string ns, NatsUserCredentials credentials, NatsCredentialIssuer issuer, Sympozium.Api.Meta.IKubernetesObject owner, Dictionary<string, string> labels) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Type = "Opaque",
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = ns,
            Labels = labels,
            Annotations = new Dictionary<string, string>
            {
                [SigningKeyAnnotation] = issuer.SigningPublicKey,
                [Labels.Prefix + "nats-expires"] = credentials.Expires?.ToString("O") ?? "never",
            },
            OwnerReferences = [ControllerReference.For(owner)],
        },
        Data = new Dictionary<string, byte[]> { [FileName] = Encoding.UTF8.GetBytes(credentials.ToCredsFile()) },
    };

    private static string Truncate(string name) => name.Length <= 253 ? name : name[..253].TrimEnd('-', '.');
}
