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
/// SympoziumInstance → channel Deployments, memory ConfigMap, memory server, web-endpoint run, and
/// a status that counts the instance's runs (docs/design/instances.md#instance-reconciler). Unlike
/// upstream (docs/design/upstream-fixes.md#cp-14) this is desired-state reconciliation: changed
/// children are updated, children whose channel or skill left the spec are deleted, a lost memory
/// Service is recreated, and totalAgentRuns, webEndpoint and a Ready condition are recorded. A
/// child the API rejects is named in status and the reconcile fails, so the host logs it and
/// retries with backoff.
/// </summary>
/// <param name="reader">Where instances, runs and the SympoziumConfig are read (the manager's caches; live by default).</param>
public sealed partial class InstanceReconciler(Clients clients, ControllerOptions options, TimeProvider? time = null, ClusterReader? reader = null) : IReconciler<ObjectKey>
{
    private readonly ClusterReader _read = reader ?? ClusterReader.Live(clients);

    /// <summary>Periodic resync, so run counts and channel readiness stay current (60 s, as upstream).</summary>
    public static readonly TimeSpan ResyncInterval = TimeSpan.FromSeconds(60);

    /// <summary>Retry after a channel error such as a missing Secret, which no event of ours announces (30 s).</summary>
    public static readonly TimeSpan ChannelErrorRetry = TimeSpan.FromSeconds(30);

    /// <summary>Poll while a replaced child is still being deleted.</summary>
    public static readonly TimeSpan DeletionPoll = TimeSpan.FromSeconds(5);

    public const string ReadyCondition = "Ready";

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<ReconcileResult> ReconcileAsync(ObjectKey key, CancellationToken cancellationToken)
    {
        var ns = key.Namespace ?? throw new TerminalReconcileException($"SympoziumInstance {key}: the kind is namespaced, the key has no namespace");
        var instance = await _read.Instances.GetAsync(ns, key.Name, cancellationToken).ConfigureAwait(false);
        if (instance is null)
        {
            return ReconcileResult.Done;
        }

        var read = instance;
        instance = await Finalizer.ReconcileAsync(clients.Instances, instance, Finalizers.Instance, ct => DeleteChildrenAsync(ns, key.Name, ct), cancellationToken).ConfigureAwait(false);
        if (instance is null)
        {
            return ReconcileResult.Done;
        }

        if (!ReferenceEquals(instance, read))
        {
            _read.Instances.Wrote(instance); // the finalizer was added
        }

        var problems = new List<KubernetesApiException>();
        var channels = await ReconcileChannelsAsync(instance, problems, cancellationToken).ConfigureAwait(false);
        await ReconcileMemoryAsync(instance, problems, cancellationToken).ConfigureAwait(false);
        var (webEndpoint, waiting) = await ReconcileWebEndpointAsync(instance, problems, cancellationToken).ConfigureAwait(false);

        var runs = await _read.Runs.ListAsync(ns, new Dictionary<string, string> { [Labels.Instance] = key.Name }, cancellationToken).ConfigureAwait(false);
        var status = Status(instance, channels, webEndpoint, runs, problems);
        await PatchStatusAsync(instance, status, cancellationToken).ConfigureAwait(false);

        if (problems.Count > 0)
        {
            throw new AggregateException($"SympoziumInstance {key}: {string.Join("; ", problems.Select(p => p.Message))}", problems);
        }

        if (channels.Any(c => c.Status == ChannelStates.Error))
        {
            return ReconcileResult.RequeueAfter(ChannelErrorRetry);
        }

        return ReconcileResult.RequeueAfter(waiting ? DeletionPoll : ResyncInterval);
    }

    /// <summary>Channel status values.</summary>
    public static class ChannelStates
    {
        public const string Pending = "Pending";
        public const string Connected = "Connected";
        public const string Disconnected = "Disconnected";
        public const string Error = "Error";
    }

    /// <summary>Instance phases.</summary>
    public static class Phases
    {
        public const string Running = "Running";
        public const string Serving = "Serving";
        public const string Error = "Error";
    }

    // Deletion (docs/design/instances.md#deletion): what owner GC would not remove promptly or at
    // all (the memory ConfigMap may have been seeded without an owner). PVCs and the web-endpoint
    // run go by GC.
    private async Task DeleteChildrenAsync(string ns, string name, CancellationToken cancellationToken)
    {
        var channelDeployments = await clients.Deployments.ListAsync(ns, ChannelSelector(name), cancellationToken: cancellationToken).ConfigureAwait(false);
        foreach (var deployment in channelDeployments.Items)
        {
            await clients.Deployments.DeleteAsync(ns, deployment.Metadata.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        var memory = InstanceChildrenBuilder.MemoryName(name);
        await clients.ConfigMaps.DeleteAsync(ns, memory, cancellationToken: cancellationToken).ConfigureAwait(false);
        await clients.Deployments.DeleteAsync(ns, memory, cancellationToken: cancellationToken).ConfigureAwait(false);
        await clients.Services.DeleteAsync(ns, memory, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private SympoziumInstanceStatus Status(
        SympoziumInstance instance, List<ChannelStatus> channels, WebEndpointStatus? webEndpoint, IReadOnlyList<AgentRun> runs, List<KubernetesApiException> problems)
    {
        var phases = runs.Where(r => r.Metadata.DeletionTimestamp is null).Select(r => r.Status?.Phase).ToList();
        var channelErrors = channels.Where(c => c.Status == ChannelStates.Error).Select(c => $"channel {c.Type}: {c.Message}").ToList();
        var failed = channelErrors.Count > 0 || problems.Count > 0;
        var phase = failed ? Phases.Error : phases.Contains(AgentRunPhases.Serving) ? Phases.Serving : Phases.Running;

        var (conditionStatus, reason, message) = problems.Count > 0
            ? ("False", "ChildError", string.Join("; ", problems.Select(p => p.Message)))
            : channelErrors.Count > 0
                ? ("False", "ChannelError", string.Join("; ", channelErrors))
                : ("True", "Reconciled", "Channels, memory and web endpoint match the spec");
        var conditions = (instance.Status?.Conditions ?? []).Where(c => c.Type != ReadyCondition).ToList();
        var previous = instance.Status?.Conditions?.FirstOrDefault(c => c.Type == ReadyCondition);
        conditions.Add(new Condition
        {
            Type = ReadyCondition,
            Status = conditionStatus,
            Reason = reason,
            Message = message.Length > 4096 ? message[..4096] : message,
            ObservedGeneration = instance.Metadata.Generation,
            LastTransitionTime = previous?.Status == conditionStatus && previous.LastTransitionTime is { } since ? since : Now(),
        });

        return new SympoziumInstanceStatus
        {
            Phase = phase,
            Channels = channels.Count > 0 ? channels : null,
            ActiveAgentPods = phases.Count(p => p is AgentRunPhases.Running or AgentRunPhases.Serving),
            TotalAgentRuns = runs.Count,
            Conditions = conditions,
            WebEndpoint = webEndpoint,
        };
    }

    private async Task PatchStatusAsync(SympoziumInstance instance, SympoziumInstanceStatus status, CancellationToken cancellationToken)
    {
        var before = StatusNode(instance);
        var after = StatusNode(new SympoziumInstance { Status = status }) ?? [];
        var patch = ObjectDiff.MergePatch(before, after);
        if (patch.Count == 0)
        {
            return;
        }

        var body = new JsonObject { ["status"] = patch };
        // Not remembered as a write to read back: the status is recomputed from scratch on every pass,
        // and this write's own event reconciles the instance again once the cache has it. Remembering
        // it would send every run reconcile that reads the instance to the API server.
        await clients.Instances.MergePatchAsync(instance.Metadata.Namespace, instance.Metadata.Name!, body.ToJsonString(), status: true, cancellationToken).ConfigureAwait(false);
    }

    private static JsonObject? StatusNode(SympoziumInstance instance) =>
        JsonNode.Parse(JsonSerializer.Serialize(instance, SympoziumJsonContext.Default.SympoziumInstance))?["status"] as JsonObject;

    // Conditions carry whole seconds, as the API server stores them.
    private DateTimeOffset Now()
    {
        var now = _time.GetUtcNow();
        return new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }

    private static string ChannelSelector(string instance) => $"{Labels.Instance}={instance},{Labels.Component}={Labels.Components.Channel}";
}
