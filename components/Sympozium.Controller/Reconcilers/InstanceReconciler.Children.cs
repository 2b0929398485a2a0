using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;
using Sympozium.Controller.Builders;
using Sympozium.Kubernetes.Client;

namespace Sympozium.Controller.Reconcilers;

// Channels (docs/design/instances.md#channel-deployments) and memory (instances.md#memory),
// converged to the spec.
public sealed partial class InstanceReconciler
{
    /// <summary>
    /// Hash of the spec the controller last wrote on a Deployment or Service. Comparing it catches
    /// fields we stopped setting (an envFrom whose configRef was removed), which a comparison of
    /// the fields we still set cannot see.
    /// </summary>
    public const string SpecHashAnnotation = Labels.Prefix + "spec-hash";

    private const string MemorySkill = "memory";

    private async Task<List<ChannelStatus>> ReconcileChannelsAsync(SympoziumInstance instance, List<KubernetesApiException> problems, CancellationToken cancellationToken)
    {
        var ns = instance.Metadata.Namespace!;
        var name = instance.Metadata.Name!;
        var statuses = new List<ChannelStatus>();
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var channel in instance.Spec.Channels ?? [])
        {
            var deploymentName = InstanceChildrenBuilder.ChannelDeploymentName(name, channel.Type);
            if (!wanted.Add(deploymentName))
            {
                continue; // The webhook refuses a channel type listed twice (spec.channels[i].type).
            }

            if (channel.ConfigRef is { Secret.Length: > 0 } configRef
                && await clients.Secrets.GetAsync(ns, configRef.Secret, cancellationToken).ConfigureAwait(false) is null)
            {
                statuses.Add(new ChannelStatus { Type = channel.Type, Status = ChannelStates.Error, Message = $"secret \"{configRef.Secret}\" not found" });
                continue;
            }

            var failure = channel.Type == "whatsapp"
                ? await GuardAsync(problems, Describe("PersistentVolumeClaim", ns, InstanceChildrenBuilder.WhatsAppClaimName(name)), () =>
                    EnsureCreatedAsync(clients.Claims, InstanceChildrenBuilder.WhatsAppClaim(instance), cancellationToken)).ConfigureAwait(false)
                : null;
            if (options.NatsIssuer is { } issuer)
            {
                failure ??= await GuardAsync(problems, Describe("Secret", ns, BusCredentialsBuilder.ChannelSecretName(name, channel.Type)), () =>
                    EnsureChannelBusCredentialsAsync(instance, channel.Type, issuer, cancellationToken)).ConfigureAwait(false);
            }

            var state = ChannelStates.Pending;
            failure ??= await GuardAsync(problems, Describe("Deployment", ns, deploymentName), async () =>
            {
                var (deployment, changed) = await ApplyAsync(
                    clients.Deployments,
                    InstanceChildrenBuilder.ChannelDeployment(instance, channel, options.Images, busCredentials: options.NatsIssuer is not null),
                    CopyDeploymentSpec,
                    cancellationToken).ConfigureAwait(false);
                state = changed ? ChannelStates.Pending : deployment.Status?.ReadyReplicas > 0 ? ChannelStates.Connected : ChannelStates.Disconnected;
            }).ConfigureAwait(false);
            statuses.Add(failure is null
                ? new ChannelStatus { Type = channel.Type, Status = state }
                : new ChannelStatus { Type = channel.Type, Status = ChannelStates.Error, Message = failure });
        }

        // Channels removed from the spec: their Deployments go now, not when the instance is deleted.
        // (The WhatsApp PVC stays: it holds the linked-device session; owner GC removes it with the instance.)
        await GuardAsync(problems, $"channel Deployments of SympoziumInstance {ns}/{name}", async () =>
        {
            var existing = await clients.Deployments.ListAsync(ns, ChannelSelector(name), cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (var deployment in existing.Items.Where(d => !wanted.Contains(d.Metadata.Name) && d.Metadata.DeletionTimestamp is null))
            {
                await DeleteAsync(clients.Deployments, ns, deployment.Metadata.Name, cancellationToken).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);

        return statuses;
    }

    private async Task ReconcileMemoryAsync(SympoziumInstance instance, List<KubernetesApiException> problems, CancellationToken cancellationToken)
    {
        var ns = instance.Metadata.Namespace!;
        var name = instance.Metadata.Name!;
        var memoryName = InstanceChildrenBuilder.MemoryName(name);
        if (instance.Spec.Memory?.Enabled == true)
        {
            // Created once and never overwritten: agents write their memory into it (a PersonaPack may have seeded it).
            await GuardAsync(problems, Describe("ConfigMap", ns, memoryName), () => EnsureCreatedAsync(clients.ConfigMaps, InstanceChildrenBuilder.MemoryConfigMap(instance), cancellationToken)).ConfigureAwait(false);
        }

        if (FindSkill(instance, MemorySkill) is not null)
        {
            await GuardAsync(problems, Describe("PersistentVolumeClaim", ns, name + "-memory-db"), () => EnsureCreatedAsync(clients.Claims, InstanceChildrenBuilder.MemoryClaim(instance), cancellationToken)).ConfigureAwait(false);
            await GuardAsync(problems, Describe("Deployment", ns, memoryName), () => ApplyAsync(clients.Deployments, InstanceChildrenBuilder.MemoryServerDeployment(instance, options.Images), CopyDeploymentSpec, cancellationToken)).ConfigureAwait(false);
            await GuardAsync(problems, Describe("Service", ns, memoryName), () => ApplyAsync(clients.Services, InstanceChildrenBuilder.MemoryServerService(instance), CopyServiceSpec, cancellationToken)).ConfigureAwait(false);
            return;
        }

        // The memory skill was dropped: stop the server. The PVC (the memory database) stays until the instance is deleted.
        await GuardAsync(problems, Describe("memory server", ns, memoryName), async () =>
        {
            if (await clients.Deployments.GetAsync(ns, memoryName, cancellationToken).ConfigureAwait(false) is { } deployment && IsMemoryServerOf(deployment.Metadata, name))
            {
                await DeleteAsync(clients.Deployments, ns, memoryName, cancellationToken).ConfigureAwait(false);
            }

            if (await clients.Services.GetAsync(ns, memoryName, cancellationToken).ConfigureAwait(false) is { } service && IsMemoryServerOf(service.Metadata, name))
            {
                await DeleteAsync(clients.Services, ns, memoryName, cancellationToken).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
    }

    private static bool IsMemoryServerOf(V1ObjectMeta metadata, string instance) =>
        metadata.DeletionTimestamp is null
        && Label(metadata, Labels.Instance) == instance
        && Label(metadata, Labels.Component) == Labels.Components.Memory;

    private static string? Label(V1ObjectMeta metadata, string key) =>
        metadata.Labels is { } labels && labels.TryGetValue(key, out var value) ? value : null;

    /// <summary>The instance's SkillRef for a SkillPack, accepting the <c>skillpack-</c> prefix.</summary>
    private static SkillRef? FindSkill(SympoziumInstance instance, string pack) =>
        (instance.Spec.Skills ?? []).FirstOrDefault(s => SkillPackRefs.Names(s.SkillPackRef, pack));

    private static void CopyDeploymentSpec(V1Deployment live, V1Deployment desired)
    {
        live.Spec.Replicas = desired.Spec.Replicas;
        live.Spec.Strategy = desired.Spec.Strategy;
        live.Spec.Template = desired.Spec.Template;
    }

    private static void CopyServiceSpec(V1Service live, V1Service desired)
    {
        live.Spec.Selector = desired.Spec.Selector;
        live.Spec.Ports = desired.Spec.Ports;
    }

    /// <summary>
    /// Creates the object, or updates it when it no longer carries what we set (compared as JSON,
    /// so server-defaulted fields do not count). Returns the live object and whether it was written.
    /// </summary>
    private static async Task<(T Live, bool Changed)> ApplyAsync<T>(ResourceClient<T> client, T desired, Action<T, T> copySpec, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var ns = desired.Metadata.NamespaceProperty;
        var name = desired.Metadata.Name;
        var desiredJson = ToJson(desired);
        var hash = Hash(desiredJson["spec"]);
        desired.Metadata.Annotations = new Dictionary<string, string> { [SpecHashAnnotation] = hash };

        var live = await client.GetAsync(ns, name, cancellationToken).ConfigureAwait(false);
        if (live is null)
        {
            try
            {
                return (await client.CreateAsync(ns, desired, cancellationToken).ConfigureAwait(false), true);
            }
            catch (KubernetesApiException e) when (e.IsAlreadyExists)
            {
                // Created in between (a stale read): the next reconcile compares it.
                return (desired, true);
            }
        }

        if (live.Metadata.DeletionTimestamp is not null || Carries(live, desiredJson, hash))
        {
            return (live, live.Metadata.DeletionTimestamp is not null);
        }

        var updated = await ConflictRetry.RunAsync(
            async ct =>
            {
                var latest = await client.GetAsync(ns, name, ct).ConfigureAwait(false)
                    ?? throw new KubernetesApiException(HttpStatusCode.NotFound, "NotFound", $"update {desired.Kind} {ns}/{name}: deleted during the update");
                copySpec(latest, desired);
                latest.Metadata.Labels = Merge(latest.Metadata.Labels, desired.Metadata.Labels);
                latest.Metadata.Annotations = Merge(latest.Metadata.Annotations, desired.Metadata.Annotations);
                latest.Metadata.OwnerReferences = WithOwner(latest.Metadata.OwnerReferences, desired.Metadata.OwnerReferences);
                return await client.ReplaceAsync(ns, name, latest, ct).ConfigureAwait(false);
            },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        return (updated, true);
    }

    private static bool Carries<T>(T live, JsonObject desiredJson, string hash)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var liveJson = ToJson(live);
        return live.Metadata.Annotations is { } annotations && annotations.TryGetValue(SpecHashAnnotation, out var liveHash) && liveHash == hash
            && ObjectDiff.Covers(liveJson["spec"], desiredJson["spec"])
            && ObjectDiff.Covers(liveJson["metadata"]?["labels"], desiredJson["metadata"]?["labels"])
            && (desiredJson["metadata"]?["ownerReferences"] as JsonArray ?? []).All(o =>
                (liveJson["metadata"]?["ownerReferences"] as JsonArray ?? []).Any(l => l?["uid"]?.GetValue<string>() == o?["uid"]?.GetValue<string>()));
    }

    /// <summary>Creates the object when absent; an existing one is never overwritten.</summary>
    private static Task<bool> EnsureCreatedAsync<T>(ResourceClient<T> client, T desired, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        CreateIfAbsent.EnsureAsync(client, desired.Metadata.NamespaceProperty, desired.Metadata.Name, () => desired, cancellationToken);

    private static Task<bool> DeleteAsync<T>(ResourceClient<T> client, string ns, string name, CancellationToken cancellationToken)
        where T : class => client.DeleteAsync(ns, name, cancellationToken: cancellationToken);

    /// <summary>
    /// Runs one child operation. An API error is recorded, prefixed with the object's kind and
    /// name, and returned as the status message; anything else (cancellation, a lost connection)
    /// propagates.
    /// </summary>
    private static async Task<string?> GuardAsync(List<KubernetesApiException> problems, string what, Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
            return null;
        }
        catch (KubernetesApiException e)
        {
            var named = new KubernetesApiException(e.StatusCode, e.Reason, $"{what}: {e.Message}");
            problems.Add(named);
            return named.Message;
        }
    }

    private static string Describe(string kind, string ns, string name) => $"{kind} {ns}/{name}";

    private static JsonObject ToJson<T>(T value)
        where T : class => JsonSerializer.SerializeToNode(value, typeof(T), KubernetesModelsJsonContext.Default)!.AsObject();

    private static string Hash(JsonNode? spec) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(spec?.ToJsonString() ?? "")))[..16];

    private static Dictionary<string, string> Merge(IDictionary<string, string>? a, IDictionary<string, string>? b)
    {
        var merged = new Dictionary<string, string>(a ?? new Dictionary<string, string>());
        foreach (var (k, v) in b ?? new Dictionary<string, string>())
        {
            merged[k] = v;
        }

        return merged;
    }

    private static List<V1OwnerReference>? WithOwner(IList<V1OwnerReference>? live, IList<V1OwnerReference>? desired)
    {
        var result = new List<V1OwnerReference>(live ?? []);
        foreach (var owner in desired ?? [])
        {
            if (result.All(o => o.Uid != owner.Uid))
            {
                // Another controller may already own it: then ours is a plain (non-controller) reference.
                owner.Controller = result.All(o => o.Controller != true) && owner.Controller == true;
                result.Add(owner);
            }
        }

        return result.Count > 0 ? result : null;
    }

    /// <summary>
    /// The channel pod's NATS credentials (its instance's and channel type's subjects), minted
    /// once; re-minted when the signing key changed (a reinstall), never otherwise.
    /// </summary>
    private Task EnsureChannelBusCredentialsAsync(SympoziumInstance instance, string channelType, EventBus.Credentials.NatsCredentialIssuer issuer, CancellationToken cancellationToken) =>
        BusCredentialsSecret.EnsureAsync(
            clients.Secrets,
            instance.Metadata.Namespace!,
            BusCredentialsBuilder.ChannelSecretName(instance.Metadata.Name!, channelType),
            issuer,
            () => BusCredentialsBuilder.ChannelSecret(instance, channelType, issuer),
            cancellationToken);
}
