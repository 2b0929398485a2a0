using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;
using Sympozium.Controller.Builders;
using Sympozium.Kubernetes.Client;
using Sympozium.Kubernetes.Reconcile;

namespace Sympozium.Controller.Reconcilers;

// Serving mode (docs/design/serving.md): a server-mode run becomes a long-lived Deployment and
// Service running its requiresServer sidecar, with an API-key Secret and, when the default
// SympoziumConfig's Gateway is ready, an HTTPRoute that is brought back in line whenever it
// differs (upstream only created it, docs/design/upstream-fixes.md#cp-15). The run stays Serving
// until it is deleted.
public sealed partial class AgentRunReconciler
{
    /// <summary>How often a Serving run re-checks its Deployment and route (30 s, as upstream).</summary>
    public static readonly TimeSpan ServingResync = TimeSpan.FromSeconds(30);

    /// <summary>Condition types of serving runs.</summary>
    public static class ServingConditions
    {
        /// <summary>True while HTTPRoute &lt;run&gt;-web routes the hostname to the server; the reason says why not.</summary>
        public const string Routed = "Routed";

        /// <summary>True while the server Deployment has a ready replica.</summary>
        public const string ServerReady = "ServerReady";
    }

    private sealed record RouteState(bool Routed, string Reason, string Message);

    /// <summary>The server path of Pending: RBAC, API key, Deployment, Service, route; then Serving.</summary>
    private async Task<ReconcileResult> StartServerAsync(AgentRun run, AgentPodInputs inputs, string traceId, CancellationToken cancellationToken)
    {
        var ns = run.Metadata.Namespace!;
        if (ServerModeBuilder.ServerSidecar(inputs.Sidecars) is not { } server)
        {
            var skills = string.Join(", ", inputs.Skills.Select(s => s.SkillPackRef ?? s.ConfigMapRef).OfType<string>());
            return await FailAsync(
                run,
                "NoServerSidecar",
                $"no sidecar with requiresServer=true found: spec.mode is server but none of the skills of AgentRun {Describe(run)} ({(skills.Length > 0 ? skills : "none")}) has a SkillPack sidecar with requiresServer: true; add the web-endpoint skill or use mode task",
                cancellationToken).ConfigureAwait(false);
        }

        // The server gets the grants of the skill it runs, on the run's own ServiceAccount.
        var rbac = RbacBuilder.Build(inputs with { Sidecars = [ServerModeBuilder.AsGrantee(server)] });
        if (!rbac.IsValid)
        {
            return await RbacRefusedAsync(run, rbac, cancellationToken).ConfigureAwait(false);
        }

        var apiAccess = !rbac.IsEmpty;
        string secretName;
        try
        {
            if (apiAccess)
            {
                await CreateRbacAsync(rbac, cancellationToken).ConfigureAwait(false);
                SetCondition(run.Status!, Conditions.RbacGranted, "True", "Created", $"ServiceAccount {rbac.ServiceAccount!.Metadata.Name} holds {rbac.Roles.Count} Role(s) and {rbac.ClusterRoles.Count} ClusterRole(s) for this run");
            }
            else
            {
                await EnsureAgentServiceAccountAsync(ns, cancellationToken).ConfigureAwait(false);
            }

            secretName = await EnsureApiKeySecretAsync(run, server, cancellationToken).ConfigureAwait(false);
            var account = apiAccess ? AgentPodBuilder.RunServiceAccountName(run) : Defaults.AgentServiceAccount;
            await CreateIfAbsent.CreateAsync(_clients.Deployments, ns, ServerModeBuilder.BuildDeployment(run, server, secretName, account, apiAccess), cancellationToken).ConfigureAwait(false);
            await CreateIfAbsent.CreateAsync(_clients.Services, ns, ServerModeBuilder.BuildService(run, server), cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (IsRejection(e) || e.StatusCode == HttpStatusCode.Forbidden)
        {
            await RevokeRbacAsync(run, cancellationToken).ConfigureAwait(false);
            await _clients.Deployments.DeleteAsync(ns, ServerModeBuilder.ServerName(run), cancellationToken: cancellationToken).ConfigureAwait(false);
            return await FailAsync(run, "ServerRejected", $"the API server rejected an object of serving run {Describe(run)} (nothing was left behind): {e.Message}", cancellationToken).ConfigureAwait(false);
        }

        var route = await EnsureRouteAsync(run, server, cancellationToken).ConfigureAwait(false);
        var status = run.Status!;
        status.Phase = AgentRunPhases.Serving;
        status.DeploymentName = ServerModeBuilder.ServerName(run);
        status.ServiceName = ServerModeBuilder.ServerName(run);
        status.StartedAt = Now;
        status.TraceID = traceId;
        SetCondition(status, Conditions.Waiting, "False", "Started", "the server Deployment was created");
        SetCondition(status, ServingConditions.ServerReady, "False", "Starting", $"Deployment {status.DeploymentName} has no ready replica yet");
        SetRouteCondition(status, route);
        await WriteStatusAsync(run, cancellationToken).ConfigureAwait(false);
        Log.ServerCreated(_logger, Describe(run), server.PackName, secretName);
        return ReconcileResult.RequeueAfter(ServingResync);
    }

    /// <summary>Every 30 s: the Deployment must still exist; readiness and the route are brought up to date.</summary>
    private async Task<ReconcileResult> ServingAsync(AgentRun run, CancellationToken cancellationToken)
    {
        var ns = run.Metadata.Namespace!;
        var status = run.Status!;
        var deploymentName = status.DeploymentName is { Length: > 0 } d ? d : ServerModeBuilder.ServerName(run);
        var deployment = await _clients.Deployments.GetAsync(ns, deploymentName, cancellationToken).ConfigureAwait(false);
        if (deployment is null || deployment.Metadata.DeletionTimestamp is not null)
        {
            return await FailAsync(
                run,
                "ServerDeploymentNotFound",
                $"server Deployment not found: {ns}/{deploymentName} was deleted while the run was serving; delete the AgentRun to serve again (the instance controller recreates its web-endpoint run)",
                cancellationToken).ConfigureAwait(false);
        }

        var ready = deployment.Status?.ReadyReplicas is > 0;
        var changed = SetCondition(
            status,
            ServingConditions.ServerReady,
            ready ? "True" : "False",
            ready ? "Ready" : "NotReady",
            ready ? $"Deployment {deploymentName} has {deployment.Status!.ReadyReplicas} ready replica(s)" : $"Deployment {deploymentName} has no ready replica");

        var sidecars = await ResolveSidecarsAsync(ns, run.Spec.Skills ?? [], cancellationToken).ConfigureAwait(false);
        if (ServerModeBuilder.ServerSidecar(sidecars) is { } server)
        {
            changed |= SetRouteCondition(status, await EnsureRouteAsync(run, server, cancellationToken).ConfigureAwait(false));
        }

        if (changed)
        {
            await WriteStatusAsync(run, cancellationToken).ConfigureAwait(false);
        }

        return ReconcileResult.RequeueAfter(ServingResync);
    }

    private bool SetRouteCondition(AgentRunStatus status, RouteState route) =>
        SetCondition(status, ServingConditions.Routed, route.Routed ? "True" : "False", route.Reason, route.Message);

    /// <summary>
    /// The API-key Secret's name: the skill's <c>auth_secret_ref</c> as it is, else
    /// <c>&lt;instance&gt;-web-proxy-key</c>, created once with a fresh key and reused afterwards.
    /// </summary>
    private async Task<string> EnsureApiKeySecretAsync(AgentRun run, ResolvedSidecar server, CancellationToken cancellationToken)
    {
        var name = ServerModeBuilder.ApiKeySecretName(run, server);
        if (ServerModeBuilder.UsesOwnSecret(server))
        {
            return name;
        }

        var ns = run.Metadata.Namespace!;
        if (await _clients.Secrets.GetAsync(ns, name, cancellationToken).ConfigureAwait(false) is null)
        {
            // AlreadyExists (another reconcile won) keeps the key that is there: it must not change under clients.
            await CreateIfAbsent.CreateAsync(_clients.Secrets, ns, ServerModeBuilder.ApiKeySecret(run, ServerModeBuilder.NewApiKey()), cancellationToken).ConfigureAwait(false);
        }

        return name;
    }

    /// <summary>
    /// Creates or updates HTTPRoute &lt;run&gt;-web when the default SympoziumConfig's Gateway is enabled
    /// and ready; deletes it when the Gateway is disabled or there is no hostname; leaves it while the
    /// Gateway is not ready (checked again in 30 s).
    /// </summary>
    private async Task<RouteState> EnsureRouteAsync(AgentRun run, ResolvedSidecar server, CancellationToken cancellationToken)
    {
        var ns = run.Metadata.Namespace!;
        var routeName = ServerModeBuilder.RouteName(run);
        var config = await _clients.Configs.GetAsync(Defaults.SystemNamespace, Defaults.ConfigName, cancellationToken).ConfigureAwait(false);
        if (config?.Spec.Gateway is not { Enabled: true } gateway || config.Metadata.DeletionTimestamp is not null)
        {
            await _clients.HttpRoutes.DeleteAsync(ns, routeName, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new RouteState(false, "GatewayDisabled", $"no HTTPRoute: SympoziumConfig {Defaults.SystemNamespace}/{Defaults.ConfigName} does not enable spec.gateway; the server is reachable through Service {ServerModeBuilder.ServerName(run)}");
        }

        if (ServerModeBuilder.Hostname(run, server, gateway) is not { } hostname)
        {
            await _clients.HttpRoutes.DeleteAsync(ns, routeName, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new RouteState(false, "NoHostname", $"no HTTPRoute: set the {ServerModeBuilder.HostnameParam} param of skill {server.PackName} or spec.gateway.baseDomain of SympoziumConfig {Defaults.SystemNamespace}/{Defaults.ConfigName}");
        }

        if (config.Status?.Gateway?.Ready != true)
        {
            return new RouteState(false, "GatewayNotReady", $"waiting for the Gateway of SympoziumConfig {Defaults.SystemNamespace}/{Defaults.ConfigName} to be ready before routing {hostname}; checked again every {(int)ServingResync.TotalSeconds}s");
        }

        var desired = ServerModeBuilder.BuildRoute(run, gateway, hostname);
        var routed = new RouteState(true, "Routed", $"HTTPRoute {routeName} routes {hostname} to Service {ServerModeBuilder.ServerName(run)}:{ServerModeBuilder.HttpPort}");
        try
        {
            var live = await _clients.HttpRoutes.GetAsync(ns, routeName, cancellationToken).ConfigureAwait(false);
            if (live is null)
            {
                await CreateIfAbsent.CreateAsync(_clients.HttpRoutes, ns, desired, cancellationToken).ConfigureAwait(false);
                Log.RouteApplied(_logger, Describe(run), routeName, hostname, "created");
                return routed;
            }

            if (RouteMatches(live, desired))
            {
                return routed;
            }

            await ConflictRetry.RunAsync(
                async ct =>
                {
                    var latest = await _clients.HttpRoutes.GetAsync(ns, routeName, ct).ConfigureAwait(false)
                        ?? throw new KubernetesApiException(HttpStatusCode.NotFound, "NotFound", $"update HTTPRoute {ns}/{routeName}: deleted during the update");
                    latest["spec"] = desired["spec"]!.DeepClone();
                    var metadata = latest["metadata"]!.AsObject();
                    var labels = metadata["labels"] as JsonObject ?? [];
                    foreach (var (key, value) in desired["metadata"]!["labels"]!.AsObject())
                    {
                        labels[key] = value!.DeepClone();
                    }

                    metadata["labels"] = labels;
                    return await _clients.HttpRoutes.ReplaceAsync(ns, routeName, latest, ct).ConfigureAwait(false);
                },
                cancellationToken: cancellationToken).ConfigureAwait(false);
            Log.RouteApplied(_logger, Describe(run), routeName, hostname, "updated");
            return routed;
        }
        catch (KubernetesApiException e) when (e.IsNotFound)
        {
            return new RouteState(false, "GatewayAPINotInstalled", $"HTTPRoute {routeName} cannot be created: the Gateway API CRDs ({ServerModeBuilder.HttpRouteApiVersion} httproutes) are not installed: {e.Message}");
        }
        catch (KubernetesApiException e) when (IsRejection(e))
        {
            return new RouteState(false, "RouteRejected", $"the API server rejected HTTPRoute {routeName}: {e.Message}");
        }
    }

    /// <summary>The live route carries our spec (server defaults aside) and labels.</summary>
    private static bool RouteMatches(JsonObject live, JsonObject desired) =>
        ObjectDiff.Covers(live["spec"], desired["spec"])
        && ObjectDiff.Covers(live["metadata"]?["labels"], desired["metadata"]!["labels"]);

    /// <summary>Deletion of a serving run: its Deployment, Service and HTTPRoute (not left to garbage collection).</summary>
    private async Task DeleteServerAsync(AgentRun run, CancellationToken cancellationToken)
    {
        var ns = run.Metadata.Namespace!;
        var server = ServerModeBuilder.ServerName(run);
        await _clients.Deployments.DeleteAsync(ns, run.Status?.DeploymentName is { Length: > 0 } d ? d : server, "Background", cancellationToken).ConfigureAwait(false);
        await _clients.Services.DeleteAsync(ns, run.Status?.ServiceName is { Length: > 0 } s ? s : server, cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            await _clients.HttpRoutes.DeleteAsync(ns, ServerModeBuilder.RouteName(run), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e)
        {
            // Best effort (as upstream): the route is owned by the run and goes with it anyway.
            Log.RouteDeleteFailed(_logger, Describe(run), e.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(4020, LogLevel.Information, "AgentRun {Run}: serving skill {Skill} (API key in Secret {Secret})")]
        public static partial void ServerCreated(ILogger logger, string run, string skill, string secret);

        [LoggerMessage(4021, LogLevel.Information, "AgentRun {Run}: HTTPRoute {Route} for {Hostname} {Action}")]
        public static partial void RouteApplied(ILogger logger, string run, string route, string hostname, string action);

        [LoggerMessage(4022, LogLevel.Warning, "AgentRun {Run}: HTTPRoute not deleted: {Reason}")]
        public static partial void RouteDeleteFailed(ILogger logger, string run, string reason);
    }
}
