using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sympozium.Api.Kinds;
using Sympozium.Api.Meta;
using Sympozium.Api.Serialization;
using Sympozium.Api.WellKnown;
using Sympozium.Controller.Builders;
using Sympozium.Kubernetes;
using Sympozium.Kubernetes.Client;
using Sympozium.Kubernetes.Reconcile;

namespace Sympozium.Controller.Reconcilers;

/// <summary>
/// SympoziumConfig → the serving GatewayClass and Gateway
/// (docs/design/instances.md#sympoziumconfig-and-the-gateway). Unlike upstream
/// (docs/design/upstream-fixes.md#cp-15) the listeners admit routes from all namespaces, so
/// HTTPRoutes of serving runs in agent namespaces can attach, and an existing Gateway is brought
/// back in line whenever it differs. Without the Gateway API CRDs the config reports that in status
/// and is retried later instead of failing in a loop. Only GatewayClasses this controller created
/// (labelled managed-by=sympoziumconfig) are ever deleted, and only when no enabled config uses them.
/// </summary>
public sealed class ConfigReconciler(Clients clients, TimeProvider? time = null) : IReconciler<ObjectKey>
{
    /// <summary>Re-read the Gateway's Programmed condition this often (30 s, as upstream).</summary>
    public static readonly TimeSpan ResyncInterval = TimeSpan.FromSeconds(30);

    /// <summary>Look for the Gateway API CRDs again after this long when they are missing.</summary>
    public static readonly TimeSpan MissingGatewayApiRetry = TimeSpan.FromMinutes(2);

    public const string ReadyCondition = "Ready";

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Config phases.</summary>
    public static class Phases
    {
        public const string Disabled = "Disabled";
        public const string Pending = "Pending";
        public const string Ready = "Ready";
        public const string Error = "Error";
    }

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var ns = key.Namespace ?? throw new TerminalReconcileException($"SympoziumConfig {key}: the kind is namespaced, the key has no namespace");
        var config = await clients.Configs.GetAsync(ns, key.Name, cancellationToken).ConfigureAwait(false);
        if (config is null)
        {
            return ReconcileResult.Done;
        }

        var deleting = config;
        config = await Finalizer.ReconcileAsync(clients.Configs, config, Finalizers.Config, ct => CollectGarbageAsync(deleting, keepGateway: null, ct), cancellationToken).ConfigureAwait(false);
        if (config is null)
        {
            return ReconcileResult.Done;
        }

        if (config.Spec.Gateway is not { Enabled: true } spec)
        {
            await CollectGarbageAsync(config, keepGateway: null, cancellationToken).ConfigureAwait(false);
            await PatchStatusAsync(config, Phases.Disabled, null, "Disabled", "spec.gateway.enabled is false: no Gateway is managed", cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Done;
        }

        if (await MissingGatewayApiAsync(ns, cancellationToken).ConfigureAwait(false) is { } missing)
        {
            await PatchStatusAsync(config, Phases.Error, new GatewayStatus { Ready = false }, "GatewayAPINotInstalled",
                $"Gateway API CRDs are not installed ({GatewayBuilder.ApiVersion} {missing}); install them (e.g. the standard channel of gateway-api) or set spec.gateway.enabled to false",
                cancellationToken).ConfigureAwait(false);
            return ReconcileResult.RequeueAfter(MissingGatewayApiRetry);
        }

        var className = string.IsNullOrEmpty(spec.GatewayClassName) ? Defaults.GatewayClassName : spec.GatewayClassName;
        var gatewayName = string.IsNullOrEmpty(spec.Name) ? Defaults.GatewayName : spec.Name;
        var step = $"GatewayClass {className}";
        JsonObject gateway;
        try
        {
            await EnsureGatewayClassAsync(className, cancellationToken).ConfigureAwait(false);
            step = $"Gateway {ns}/{gatewayName}";
            gateway = await ApplyGatewayAsync(config, GatewayBuilder.Gateway(config, spec, className, gatewayName), cancellationToken).ConfigureAwait(false);
            step = $"stale Gateways and GatewayClasses of SympoziumConfig {ns}/{key.Name}";
            await CollectGarbageAsync(config, gatewayName, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e)
        {
            await PatchStatusAsync(config, Phases.Error, new GatewayStatus { Ready = false }, "ReconcileError", $"{step}: {e.Message}", cancellationToken).ConfigureAwait(false);
            throw;
        }

        var ready = (gateway["status"]?["conditions"] as JsonArray ?? []).Any(c =>
            c?["type"]?.GetValue<string>() == "Programmed" && c["status"]?.GetValue<string>() == "True");
        var address = (gateway["status"]?["addresses"] as JsonArray)?.FirstOrDefault()?["value"]?.GetValue<string>();
        var listeners = (gateway["spec"]?["listeners"] as JsonArray)?.Count ?? 0;
        var status = new GatewayStatus { Ready = ready, Address = address, ListenerCount = listeners };
        if (ready)
        {
            await PatchStatusAsync(config, Phases.Ready, status, "Ready", $"Gateway {ns}/{gatewayName} is programmed", cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await PatchStatusAsync(config, Phases.Pending, status, "Pending", $"waiting for Gateway {ns}/{gatewayName} to be programmed by the {className} GatewayClass controller", cancellationToken).ConfigureAwait(false);
        }

        return ReconcileResult.RequeueAfter(ResyncInterval);
    }

    /// <summary>The plural of the first Gateway API kind the cluster does not serve, or null.</summary>
    private async Task<string?> MissingGatewayApiAsync(string ns, CancellationToken cancellationToken)
    {
        try
        {
            await clients.Gateways.ListAsync(ns, ManagedSelector, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (e.IsNotFound)
        {
            return clients.Gateways.Resource.Plural;
        }

        try
        {
            await clients.GatewayClasses.ListAsync(null, ManagedSelector, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (e.IsNotFound)
        {
            return clients.GatewayClasses.Resource.Plural;
        }

        return null;
    }

    private async Task EnsureGatewayClassAsync(string className, CancellationToken cancellationToken)
    {
        // An existing class is used as it is and never labelled: one we did not create is never ours to delete.
        await CreateIfAbsent.EnsureAsync(clients.GatewayClasses, null, className, () => GatewayBuilder.GatewayClass(className), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates the Gateway, or rewrites its class, listeners and issuer annotation when they differ.</summary>
    private async Task<JsonObject> ApplyGatewayAsync(SympoziumConfig config, JsonObject desired, CancellationToken cancellationToken)
    {
        var ns = config.Metadata.Namespace!;
        var name = desired["metadata"]!["name"]!.GetValue<string>();
        var live = await clients.Gateways.GetAsync(ns, name, cancellationToken).ConfigureAwait(false);
        if (live is null)
        {
            try
            {
                return await clients.Gateways.CreateAsync(ns, desired, cancellationToken).ConfigureAwait(false);
            }
            catch (KubernetesApiException e) when (e.IsAlreadyExists)
            {
                live = await clients.Gateways.GetAsync(ns, name, cancellationToken).ConfigureAwait(false)
                    ?? throw new KubernetesApiException(HttpStatusCode.Conflict, "Conflict", $"create Gateway {ns}/{name}: it exists and vanished again");
            }
        }

        if (Matches(live, desired, config.Metadata.Uid))
        {
            return live;
        }

        return await ConflictRetry.RunAsync(
            async ct =>
            {
                var latest = await clients.Gateways.GetAsync(ns, name, ct).ConfigureAwait(false)
                    ?? throw new KubernetesApiException(HttpStatusCode.NotFound, "NotFound", $"update Gateway {ns}/{name}: deleted during the update");
                var spec = latest["spec"] as JsonObject ?? [];
                spec["gatewayClassName"] = desired["spec"]!["gatewayClassName"]!.DeepClone();
                spec["listeners"] = desired["spec"]!["listeners"]!.DeepClone();
                latest["spec"] = spec;
                var metadata = latest["metadata"]!.AsObject();
                var labels = metadata["labels"] as JsonObject ?? [];
                labels[Labels.ManagedBy] = Labels.Values.SympoziumConfig;
                metadata["labels"] = labels;
                var annotations = metadata["annotations"] as JsonObject ?? [];
                if (desired["metadata"]?["annotations"]?[Annotations.CertManagerClusterIssuer] is { } issuer)
                {
                    annotations[Annotations.CertManagerClusterIssuer] = issuer.DeepClone();
                }
                else
                {
                    annotations.Remove(Annotations.CertManagerClusterIssuer);
                }

                metadata["annotations"] = annotations;
                var owners = metadata["ownerReferences"] as JsonArray ?? [];
                if (!owners.Any(o => o?["uid"]?.GetValue<string>() == config.Metadata.Uid))
                {
                    var owner = GatewayBuilder.OwnerOf(config);
                    owner["controller"] = !owners.Any(o => o?["controller"]?.GetValue<bool>() == true);
                    owners.Add((JsonNode)owner);
                }

                metadata["ownerReferences"] = owners;
                return await clients.Gateways.ReplaceAsync(ns, name, latest, ct).ConfigureAwait(false);
            },
            cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private static bool Matches(JsonObject live, JsonObject desired, string? uid) =>
        ObjectDiff.Covers(live["spec"], desired["spec"])
        && live["metadata"]?["labels"]?[Labels.ManagedBy]?.GetValue<string>() == Labels.Values.SympoziumConfig
        && live["metadata"]?["annotations"]?[Annotations.CertManagerClusterIssuer]?.GetValue<string>()
            == desired["metadata"]?["annotations"]?[Annotations.CertManagerClusterIssuer]?.GetValue<string>()
        && (live["metadata"]?["ownerReferences"] as JsonArray ?? []).Any(o => o?["uid"]?.GetValue<string>() == uid);

    /// <summary>
    /// Deletes this config's managed Gateways other than <paramref name="keepGateway"/> (all of them
    /// when null), and managed GatewayClasses that no enabled config names. Missing Gateway API
    /// CRDs mean there is nothing to delete.
    /// </summary>
    private async Task CollectGarbageAsync(SympoziumConfig config, string? keepGateway, CancellationToken cancellationToken)
    {
        var ns = config.Metadata.Namespace!;
        ResourceList<JsonObject> gateways;
        try
        {
            gateways = await clients.Gateways.ListAsync(ns, ManagedSelector, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (e.IsNotFound)
        {
            return;
        }

        foreach (var gateway in gateways.Items)
        {
            var name = gateway["metadata"]?["name"]?.GetValue<string>() ?? "";
            var owners = gateway["metadata"]?["ownerReferences"] as JsonArray ?? [];
            var ours = owners.Count == 0 || owners.Any(o => o?["uid"]?.GetValue<string>() == config.Metadata.Uid);
            if (ours && name != keepGateway && name.Length > 0)
            {
                await clients.Gateways.DeleteAsync(ns, name, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }

        ResourceList<JsonObject> classes;
        try
        {
            classes = await clients.GatewayClasses.ListAsync(null, ManagedSelector, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (e.IsNotFound)
        {
            return;
        }

        if (classes.Items.Count == 0)
        {
            return;
        }

        var configs = await clients.Configs.ListAsync(null, cancellationToken: cancellationToken).ConfigureAwait(false);
        var inUse = configs.Items
            .Where(c => c.Metadata.DeletionTimestamp is null && c.Spec.Gateway is { Enabled: true })
            .Select(c => string.IsNullOrEmpty(c.Spec.Gateway!.GatewayClassName) ? Defaults.GatewayClassName : c.Spec.Gateway.GatewayClassName)
            .ToHashSet(StringComparer.Ordinal);
        foreach (var gatewayClass in classes.Items)
        {
            var name = gatewayClass["metadata"]?["name"]?.GetValue<string>() ?? "";
            if (name.Length > 0 && !inUse.Contains(name))
            {
                await clients.GatewayClasses.DeleteAsync(null, name, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task PatchStatusAsync(SympoziumConfig config, string phase, GatewayStatus? gateway, string reason, string message, CancellationToken cancellationToken)
    {
        var conditionStatus = phase == Phases.Ready ? "True" : "False";
        var previous = config.Status?.Conditions?.FirstOrDefault(c => c.Type == ReadyCondition);
        var conditions = (config.Status?.Conditions ?? []).Where(c => c.Type != ReadyCondition).ToList();
        conditions.Add(new Condition
        {
            Type = ReadyCondition,
            Status = conditionStatus,
            Reason = reason,
            Message = message.Length > 4096 ? message[..4096] : message,
            ObservedGeneration = config.Metadata.Generation,
            LastTransitionTime = previous?.Status == conditionStatus && previous.LastTransitionTime is { } since ? since : Now(),
        });
        var status = new SympoziumConfigStatus { Phase = phase, Gateway = gateway, Conditions = conditions };

        var before = StatusNode(config);
        var after = StatusNode(new SympoziumConfig { Status = status }) ?? [];
        var patch = ObjectDiff.MergePatch(before, after);
        if (patch.Count > 0)
        {
            var body = new JsonObject { ["status"] = patch };
            await clients.Configs.MergePatchAsync(config.Metadata.Namespace, config.Metadata.Name!, body.ToJsonString(), status: true, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string ManagedSelector => $"{Labels.ManagedBy}={Labels.Values.SympoziumConfig}";

    private static JsonObject? StatusNode(SympoziumConfig config) =>
        JsonNode.Parse(JsonSerializer.Serialize(config, SympoziumJsonContext.Default.SympoziumConfig))?["status"] as JsonObject;

    // Conditions carry whole seconds, as the API server stores them.
    private DateTimeOffset Now()
    {
        var now = _time.GetUtcNow();
        return new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }
}
