using System.Net;
using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;
using Sympozium.Controller.Builders;
using Sympozium.Controller.Runs;
using Sympozium.Kubernetes.Client;
using Sympozium.Kubernetes.Reconcile;

namespace Sympozium.Controller.Reconcilers;

// Start (task mode): resolve skills, sidecars, MCP servers and the memory server, then create
// RBAC, the workspace claim and the Job, and mark the run Running.
public sealed partial class AgentRunReconciler
{
    private const string MemorySkill = "memory";

    /// <summary>Resolves what the Job depends on, creates RBAC and the Job, and marks the run Running.</summary>
    /// <param name="policy">The governing policy (null when the instance names none): decides host access.</param>
    private async Task<ReconcileResult> StartAsync(AgentRun run, SympoziumInstance instance, SympoziumPolicy? policy, TimeSpan timeout, TimeSpan age, CancellationToken cancellationToken)
    {
        var ns = run.Metadata.Namespace!;
        var name = run.Metadata.Name!;
        var skills = run.Spec.Skills ?? [];

        string? memoryUrl = null;
        var serverMode = run.Spec.Mode == "server";
        if (!serverMode && skills.Any(s => SkillPackRefs.PackName(s.SkillPackRef) == MemorySkill))
        {
            var deploymentName = InstanceChildrenBuilder.MemoryName(instance.Metadata.Name!);
            var deployment = await _read.Deployments.GetAsync(ns, deploymentName, cancellationToken).ConfigureAwait(false);
            if (deployment?.Status?.ReadyReplicas is not > 0)
            {
                var state = deployment is null ? "does not exist" : "has no ready replica";
                return await WaitOrFailAsync(
                    run,
                    "MemoryServerNotReady",
                    $"memory server Deployment \"{deploymentName}\" {state} yet (skill memory); the run starts when it is ready",
                    $"memory server Deployment \"{deploymentName}\" {state} after {(int)age.TotalSeconds}s (skill memory)",
                    age > MemoryServerWait,
                    cancellationToken).ConfigureAwait(false);
            }

            memoryUrl = InstanceChildrenBuilder.MemoryServerUrl(instance.Metadata.Name!, ns);
        }

        var sidecars = await ResolveSidecarsAsync(ns, skills, cancellationToken).ConfigureAwait(false);

        var mcp = await ResolveMcpServersAsync(run, instance, cancellationToken).ConfigureAwait(false);
        var (traceParent, traceId) = NewTrace(run);
        var inputs = new AgentPodInputs
        {
            Run = run,
            Instance = instance,
            Skills = skills,
            Sidecars = sidecars,
            HostAccessAllowed = policy?.Spec.HostAccess?.Allowed == true,
            HostMountsAllowed = policy?.Spec.SandboxPolicy?.AllowHostMounts == true,
            McpServers = [.. mcp.Select(m => new McpServerBinding(m.Ref.Name, m.Ref.AuthSecret, m.Ref.AuthKey))],
            MemoryServerUrl = memoryUrl,
            Timeout = timeout,
            TraceParent = traceParent,
            Images = _options.Images,
            JobTtlSeconds = _options.JobTtlSeconds,
            BusCredentials = _options.NatsIssuer is not null,
        };

        if (AgentPodBuilder.HostAccessRefusal(inputs, policy?.Metadata.Name) is { } hostAccessRefused)
        {
            return await FailAsync(run, "HostAccessDenied", hostAccessRefused, cancellationToken).ConfigureAwait(false);
        }

        if (serverMode)
        {
            return await StartServerAsync(run, inputs, traceId, cancellationToken).ConfigureAwait(false);
        }

        // Judged again here, not only at admission: the pack may have changed since, or no webhook
        // is installed. Refused rules are reported before anything exists, so nothing is granted.
        var rbac = RbacBuilder.Build(inputs);
        if (!rbac.IsValid)
        {
            return await RbacRefusedAsync(run, rbac, cancellationToken).ConfigureAwait(false);
        }

        var job = AgentPodBuilder.BuildJob(inputs);

        // A missing Secret would leave the pod in CreateContainerConfigError until the timeout.
        if (await MissingSecretAsync(run, instance, job.Spec.Template.Spec, cancellationToken).ConfigureAwait(false) is { } missing)
        {
            return await FailAsync(run, missing.Reason, missing.Message, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            if (job.Spec.Template.Spec.ServiceAccountName == Defaults.AgentServiceAccount)
            {
                await EnsureAgentServiceAccountAsync(ns, cancellationToken).ConfigureAwait(false);
            }

            if (mcp.Count > 0)
            {
                await CreateIfAbsent.CreateAsync(_clients.ConfigMaps, ns, McpConfigBuilder.Build(run, mcp), cancellationToken).ConfigureAwait(false);
            }

            await MirrorSkillsAsync(run, skills, cancellationToken).ConfigureAwait(false);
            if (inputs.BusCredentials)
            {
                await EnsureRunBusCredentialsAsync(run, timeout, cancellationToken).ConfigureAwait(false);
            }

            // The task reaches the agent as a file (docs/design/agent-runs.md#job-and-pod-shape).
            await CreateIfAbsent.CreateAsync(_clients.ConfigMaps, ns, AgentPodBuilder.InputConfigMap(run), cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (IsRejection(e))
        {
            return await FailAsync(run, "Rejected", $"the API server rejected an object of this run: {e.Message}", cancellationToken).ConfigureAwait(false);
        }

        if (!rbac.IsEmpty)
        {
            try
            {
                await CreateRbacAsync(rbac, cancellationToken).ConfigureAwait(false);
            }
            catch (KubernetesApiException e) when (IsRejection(e) || e.StatusCode == HttpStatusCode.Forbidden)
            {
                await RevokeRbacAsync(run, cancellationToken).ConfigureAwait(false);
                return await FailAsync(run, "RbacFailed", $"failed to create skill RBAC (nothing was left behind): {e.Message}", cancellationToken).ConfigureAwait(false);
            }

            SetCondition(run.Status!, Conditions.RbacGranted, "True", "Created", $"ServiceAccount {rbac.ServiceAccount!.Metadata.Name} holds {rbac.Roles.Count} Role(s) and {rbac.ClusterRoles.Count} ClusterRole(s) for this run");
        }

        try
        {
            if (HasPostRunHooks(run))
            {
                // The agent and the postRun hooks share the workspace through this claim.
                await CreateIfAbsent.CreateAsync(_clients.Claims, ns, PostRunJobBuilder.WorkspaceClaim(run), cancellationToken).ConfigureAwait(false);
            }

            await CreateIfAbsent.CreateAsync(_clients.Jobs, ns, job, cancellationToken).ConfigureAwait(false);
        }
        catch (KubernetesApiException e) when (IsRejection(e))
        {
            await RevokeRbacAsync(run, cancellationToken).ConfigureAwait(false);
            return await FailAsync(run, "JobRejected", $"the API server rejected Job {name}: {e.Message}", cancellationToken).ConfigureAwait(false);
        }

        Log.JobCreated(_logger, Describe(run), job.Spec.Template.Spec.Containers.Count + (job.Spec.Template.Spec.InitContainers?.Count ?? 0));
        var status = run.Status!;
        status.Phase = AgentRunPhases.Running;
        status.JobName = name;
        status.StartedAt = Now;
        status.TraceID = traceId;
        SetCondition(status, Conditions.Waiting, "False", "Started", "the agent Job was created");
        await WriteStatusAsync(run, cancellationToken).ConfigureAwait(false);
        return ReconcileResult.RequeueAfter(timeout);
    }

    /// <summary>
    /// The first Secret (or key) the pod needs that does not exist, as a failure naming the Secret,
    /// the key and the field that refers to it; null when all are there.
    /// </summary>
    private async Task<(string Reason, string Message)?> MissingSecretAsync(AgentRun run, SympoziumInstance instance, V1PodSpec pod, CancellationToken cancellationToken)
    {
        var ns = run.Metadata.Namespace!;
        var secrets = new Dictionary<string, V1Secret?>(StringComparer.Ordinal);
        foreach (var use in PodSecretRefs.Required(pod))
        {
            if (!secrets.TryGetValue(use.Secret, out var secret))
            {
                secret = await _clients.Secrets.GetAsync(ns, use.Secret, cancellationToken).ConfigureAwait(false);
                secrets[use.Secret] = secret;
            }

            var field = SecretField(use, instance);
            if (secret is null)
            {
                return ("SecretNotFound", $"Secret \"{use.Secret}\" does not exist in namespace {ns} ({field}); create it in {ns} or correct {field}");
            }

            if (use.Key is { } key && secret.Data?.ContainsKey(key) != true && secret.StringData?.ContainsKey(key) != true)
            {
                var keys = secret.Data is { Count: > 0 } data ? string.Join(", ", data.Keys.Order(StringComparer.Ordinal)) : "none";
                return ("SecretKeyNotFound", $"Secret \"{use.Secret}\" in namespace {ns} has no key \"{key}\" (read into {use.Variable} of container {use.Container}; {field}); its keys: {keys}. Add the key or correct {field}");
            }
        }

        return null;
    }

    /// <summary>The field a Secret reference of the agent pod comes from, in the user's words.</summary>
    private static string SecretField(SecretUse use, SympoziumInstance instance) => use switch
    {
        { Container: AgentContainer, Variable: null } => "spec.model.authSecretRef",
        { Variable: { } v } when v.StartsWith(EnvironmentVariables.McpAuthPrefix, StringComparison.Ordinal) =>
            $"spec.mcpServers[].authSecret/authKey of SympoziumInstance {instance.Metadata.Name}",
        { Variable: { } v } => $"env {v} of container {use.Container}",
        _ => $"envFrom of container {use.Container}",
    };

    /// <summary>The sidecars of the run's SkillPacks (the run's namespace first, then sympozium-system), in SkillRef order.</summary>
    private async Task<List<ResolvedSidecar>> ResolveSidecarsAsync(string ns, IReadOnlyList<SkillRef> skills, CancellationToken cancellationToken)
    {
        var sidecars = new List<ResolvedSidecar>();
        foreach (var skill in skills)
        {
            if (SkillPackRefs.PackName(skill.SkillPackRef) is not { } packName)
            {
                continue;
            }

            var pack = await SystemNamespaceFallback.GetAsync(ns, packName, _read.SkillPacks.GetAsync, cancellationToken).ConfigureAwait(false);

            if (pack?.Spec.Sidecar is { Image.Length: > 0 } sidecar)
            {
                sidecars.Add(new ResolvedSidecar(packName, sidecar, skill.Params ?? [], pack.Metadata.Namespace));
            }
        }

        return sidecars;
    }

    /// <summary>The instance's MCP servers with their URLs (an MCPServer in the run's namespace first, then in sympozium-system); unknown or unready ones are skipped and logged.</summary>
    private async Task<List<ResolvedMcpServer>> ResolveMcpServersAsync(AgentRun run, SympoziumInstance instance, CancellationToken cancellationToken)
    {
        var mcp = new List<ResolvedMcpServer>();
        foreach (var reference in instance.Spec.McpServers ?? [])
        {
            var server = string.IsNullOrEmpty(reference.Url)
                ? await SystemNamespaceFallback.GetAsync(_clients.McpServers, run.Metadata.Namespace!, reference.Name, cancellationToken).ConfigureAwait(false)
                : null;

            if (McpConfigBuilder.Resolve(reference, server) is { } resolved)
            {
                mcp.Add(resolved);
            }
            else
            {
                Log.McpServerSkipped(_logger, Describe(run), reference.Name, server is null ? "no MCPServer of that name and no url" : "the MCPServer is not ready");
            }
        }

        return mcp;
    }

    /// <summary>4xx answers that retrying cannot fix (validation, bad request, forbidden by admission).</summary>
    private static bool IsRejection(KubernetesApiException e) =>
        e.StatusCode is HttpStatusCode.UnprocessableEntity or HttpStatusCode.BadRequest
        || (e.StatusCode == HttpStatusCode.Forbidden && e.Message.Contains("admission", StringComparison.OrdinalIgnoreCase));

    /// <summary>The shared ServiceAccount of runs without API access (it never gets a token or a grant).</summary>
    /// <remarks>
    /// Checked once per namespace every <see cref="AgentAccountRecheck"/>, not once per run: a burst
    /// of runs would otherwise read the same ServiceAccount hundreds of times.
    /// </remarks>
    private async Task EnsureAgentServiceAccountAsync(string ns, CancellationToken cancellationToken)
    {
        if (_agentAccounts.TryGetValue(ns, out var checkedAt) && Now - checkedAt < AgentAccountRecheck)
        {
            return;
        }

        await CreateIfAbsent.EnsureAsync(_clients.ServiceAccounts, ns, Defaults.AgentServiceAccount, () => RbacBuilder.SharedAgentServiceAccount(ns), cancellationToken).ConfigureAwait(false);
        _agentAccounts[ns] = Now;
    }

    /// <summary>
    /// Copies skill ConfigMaps that exist only in the system namespace into the run's namespace
    /// (docs/design/agent-runs.md#skills-sidecars-and-mirroring). Each run using a mirror becomes
    /// one of its owners, so the copy lives as long as any run that mounted it; a ConfigMap of the
    /// namespace's own is never touched.
    /// </summary>
    private async Task MirrorSkillsAsync(AgentRun run, IReadOnlyList<SkillRef> skills, CancellationToken cancellationToken)
    {
        var ns = run.Metadata.Namespace!;
        if (ns == Defaults.SystemNamespace)
        {
            return;
        }

        foreach (var name in skills.Select(s => s.SkillPackRef is { Length: > 0 } p ? p : s.ConfigMapRef).OfType<string>().Where(n => n.Length > 0).Distinct(StringComparer.Ordinal))
        {
            var source = await _clients.ConfigMaps.GetAsync(Defaults.SystemNamespace, name, cancellationToken).ConfigureAwait(false);
            if (source is null)
            {
                continue;
            }

            var owner = SkillPackConfigMapBuilder.MirrorOwner(run);
            var local = await _clients.ConfigMaps.GetAsync(ns, name, cancellationToken).ConfigureAwait(false);
            try
            {
                if (local is null)
                {
                    await CreateIfAbsent.CreateAsync(_clients.ConfigMaps, ns, SkillPackConfigMapBuilder.Mirror(run, source), cancellationToken).ConfigureAwait(false);
                }
                else if (SkillPackConfigMapBuilder.IsMirror(local))
                {
                    local.Data = source.Data;
                    local.Metadata.OwnerReferences ??= [];
                    if (!local.Metadata.OwnerReferences.Any(o => o.Uid == owner.Uid))
                    {
                        local.Metadata.OwnerReferences.Add(owner);
                    }

                    await _clients.ConfigMaps.ReplaceAsync(ns, name, local, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (KubernetesApiException e) when (e.IsConflict)
            {
                // Another run refreshed it at the same moment; its copy is as current as ours.
                Log.MirrorFailed(_logger, Describe(run), name, e.Message);
            }
        }
    }

    /// <summary>
    /// The run's NATS credentials Secret (its own subjects, expiring with its timeout), created
    /// once; one minted with another signing key (a reinstall) is replaced.
    /// </summary>
    private Task EnsureRunBusCredentialsAsync(AgentRun run, TimeSpan timeout, CancellationToken cancellationToken) =>
        BusCredentialsSecret.EnsureAsync(
            _clients.Secrets,
            run.Metadata.Namespace!,
            BusCredentialsBuilder.RunSecretName(run),
            _options.NatsIssuer!,
            () => BusCredentialsBuilder.RunSecret(run, timeout, _options.NatsIssuer!),
            cancellationToken);
}
