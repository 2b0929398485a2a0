namespace Sympozium.Api.Tests;

/// <summary>
/// Every spec and status field of the upstream v0.8.28 CRDs
/// (docs/design/custom-resources.md#field-inventory), by JSON path. Lists are written <c>[]</c>,
/// map values <c>{}</c>.
/// </summary>
internal static class UpstreamFields
{
    public static readonly IReadOnlyDictionary<string, string[]> ByKind = new Dictionary<string, string[]>
    {
        ["SympoziumInstance"] =
        [
            "spec.channels", "spec.channels[].type", "spec.channels[].configRef.secret", "spec.channels[].configRef.provider",
            "spec.channels[].accessControl.allowedSenders", "spec.channels[].accessControl.deniedSenders",
            "spec.channels[].accessControl.allowedChats", "spec.channels[].accessControl.denyMessage",
            "spec.agents.default.model", "spec.agents.default.baseURL", "spec.agents.default.thinking",
            "spec.agents.default.sandbox.enabled", "spec.agents.default.sandbox.image", "spec.agents.default.sandbox.resources",
            "spec.agents.default.agentSandbox.enabled", "spec.agents.default.agentSandbox.runtimeClass",
            "spec.agents.default.agentSandbox.warmPool.size", "spec.agents.default.agentSandbox.warmPool.runtimeClass",
            "spec.agents.default.agentSandbox.warmPool.resources.requests", "spec.agents.default.agentSandbox.warmPool.resources.limits",
            "spec.agents.default.subagents.maxDepth", "spec.agents.default.subagents.maxConcurrent", "spec.agents.default.subagents.maxChildrenPerAgent",
            "spec.agents.default.runTimeout", "spec.agents.default.nodeSelector", "spec.agents.default.lifecycle",
            "spec.skills[].skillPackRef", "spec.skills[].configMapRef", "spec.skills[].params",
            "spec.policyRef", "spec.authRefs[].provider", "spec.authRefs[].secret",
            "spec.memory.enabled", "spec.memory.maxSizeKB", "spec.memory.systemPrompt",
            "spec.observability.enabled", "spec.observability.otlpEndpoint", "spec.observability.otlpProtocol",
            "spec.observability.serviceName", "spec.observability.headers", "spec.observability.headersSecretRef",
            "spec.observability.samplingRatio", "spec.observability.resourceAttributes",
            "spec.mcpServers[].name", "spec.mcpServers[].url", "spec.mcpServers[].toolsPrefix", "spec.mcpServers[].timeout",
            "spec.mcpServers[].authSecret", "spec.mcpServers[].authKey", "spec.mcpServers[].headers",
            "spec.mcpServers[].toolsAllow", "spec.mcpServers[].toolsDeny",
            "spec.webEndpoint.enabled", "spec.webEndpoint.hostname", "spec.webEndpoint.authSecretRef",
            "spec.webEndpoint.rateLimit.requestsPerMinute", "spec.webEndpoint.rateLimit.burstSize",
            "spec.imagePullSecrets[].name",
            "status.phase", "status.channels[].type", "status.channels[].status", "status.channels[].lastHealthCheck",
            "status.channels[].message", "status.activeAgentPods", "status.totalAgentRuns", "status.conditions",
            "status.webEndpoint.status", "status.webEndpoint.url", "status.webEndpoint.authSecretName",
        ],
        ["AgentRun"] =
        [
            "spec.instanceRef", "spec.agentId", "spec.sessionKey", "spec.env", "spec.parent.runName", "spec.parent.sessionKey",
            "spec.parent.spawnDepth", "spec.task", "spec.systemPrompt", "spec.model.provider", "spec.model.model",
            "spec.model.baseURL", "spec.model.thinking", "spec.model.authSecretRef", "spec.model.nodeSelector",
            "spec.sandbox.enabled", "spec.sandbox.image", "spec.sandbox.securityContext.readOnlyRootFilesystem",
            "spec.sandbox.securityContext.runAsNonRoot", "spec.sandbox.securityContext.capabilities.drop",
            "spec.sandbox.securityContext.seccompProfile.type", "spec.sandbox.resources.requests", "spec.sandbox.resources.limits",
            "spec.agentSandbox.enabled", "spec.agentSandbox.runtimeClass", "spec.agentSandbox.warmPoolRef", "spec.agentSandbox.resources",
            "spec.skills", "spec.toolPolicy.allow", "spec.toolPolicy.deny", "spec.timeout", "spec.cleanup", "spec.mode",
            "spec.imagePullSecrets", "spec.lifecycle.preRun[].name", "spec.lifecycle.preRun[].image", "spec.lifecycle.preRun[].command",
            "spec.lifecycle.preRun[].args", "spec.lifecycle.preRun[].env[].name", "spec.lifecycle.preRun[].env[].value",
            "spec.lifecycle.preRun[].timeout", "spec.lifecycle.preRun[].gate", "spec.lifecycle.postRun[].name",
            "spec.lifecycle.rbac[].apiGroups", "spec.lifecycle.rbac[].resources", "spec.lifecycle.rbac[].verbs", "spec.lifecycle.gateDefault",
            "status.phase", "status.podName", "status.jobName", "status.sandboxName", "status.sandboxClaimName", "status.startedAt",
            "status.completedAt", "status.result", "status.error", "status.exitCode", "status.tokenUsage.inputTokens",
            "status.tokenUsage.outputTokens", "status.tokenUsage.totalTokens", "status.tokenUsage.toolCalls", "status.tokenUsage.durationMs",
            "status.deploymentName", "status.serviceName", "status.traceID", "status.postRunJobName", "status.gateVerdict",
            "status.delegates[].childRunName", "status.delegates[].targetPersona", "status.delegates[].phase",
            "status.delegates[].result", "status.delegates[].error", "status.conditions",
        ],
        ["SympoziumPolicy"] =
        [
            "spec.sandboxPolicy.required", "spec.sandboxPolicy.defaultImage", "spec.sandboxPolicy.maxCPU", "spec.sandboxPolicy.maxMemory",
            "spec.sandboxPolicy.allowHostMounts", "spec.sandboxPolicy.seccompProfile.type", "spec.sandboxPolicy.agentSandboxPolicy.required",
            "spec.sandboxPolicy.agentSandboxPolicy.defaultRuntimeClass", "spec.sandboxPolicy.agentSandboxPolicy.allowedRuntimeClasses",
            "spec.subagentPolicy.maxDepth", "spec.subagentPolicy.maxConcurrent", "spec.toolGating.defaultAction",
            "spec.toolGating.rules[].tool", "spec.toolGating.rules[].action", "spec.featureGates", "spec.networkPolicy.denyAll",
            "spec.networkPolicy.allowDNS", "spec.networkPolicy.allowEventBus", "spec.networkPolicy.allowedEgress[].host",
            "spec.networkPolicy.allowedEgress[].port", "status.boundInstances", "status.conditions",
        ],
        ["SkillPack"] =
        [
            "spec.skills[].name", "spec.skills[].description", "spec.skills[].requires.bins", "spec.skills[].requires.tools",
            "spec.skills[].content", "spec.category", "spec.source", "spec.version", "spec.runtimeRequirements.image",
            "spec.runtimeRequirements.sandbox", "spec.runtimeRequirements.minMemory", "spec.runtimeRequirements.minCPU",
            "spec.sidecar.image", "spec.sidecar.command", "spec.sidecar.env[].name", "spec.sidecar.env[].value",
            "spec.sidecar.mountWorkspace", "spec.sidecar.resources.cpu", "spec.sidecar.resources.memory", "spec.sidecar.rbac",
            "spec.sidecar.clusterRBAC", "spec.sidecar.secretRef", "spec.sidecar.secretMountPath", "spec.sidecar.hostAccess.enabled",
            "spec.sidecar.hostAccess.hostNetwork", "spec.sidecar.hostAccess.hostPID", "spec.sidecar.hostAccess.privileged",
            "spec.sidecar.hostAccess.runAsRoot", "spec.sidecar.hostAccess.mounts[].hostPath", "spec.sidecar.hostAccess.mounts[].mountPath",
            "spec.sidecar.hostAccess.mounts[].readOnly", "spec.sidecar.requiresServer", "spec.sidecar.ports[].name",
            "spec.sidecar.ports[].containerPort", "spec.sidecar.ports[].protocol",
            "status.phase", "status.configMapName", "status.skillCount", "status.conditions",
        ],
        ["SympoziumSchedule"] =
        [
            "spec.instanceRef", "spec.schedule", "spec.task", "spec.type", "spec.suspend", "spec.concurrencyPolicy", "spec.includeMemory",
            "status.phase", "status.lastRunTime", "status.nextRunTime", "status.lastRunName", "status.totalRuns", "status.conditions",
        ],
        ["PersonaPack"] =
        [
            "spec.enabled", "spec.description", "spec.category", "spec.version", "spec.personas[].name", "spec.personas[].displayName",
            "spec.personas[].systemPrompt", "spec.personas[].model", "spec.personas[].skills", "spec.personas[].toolPolicy.allow",
            "spec.personas[].toolPolicy.deny", "spec.personas[].schedule.type", "spec.personas[].schedule.interval",
            "spec.personas[].schedule.cron", "spec.personas[].schedule.task", "spec.personas[].memory.enabled",
            "spec.personas[].memory.seeds", "spec.personas[].channels", "spec.personas[].webEndpoint.enabled",
            "spec.personas[].webEndpoint.hostname", "spec.personas[].lifecycle", "spec.authRefs[].provider", "spec.authRefs[].secret",
            "spec.excludePersonas", "spec.channelConfigs", "spec.policyRef", "spec.baseURL", "spec.skillParams", "spec.taskOverride",
            "spec.channelAccessControl", "spec.agentSandbox.enabled", "spec.agentSandbox.warmPool.size", "spec.relationships[].source",
            "spec.relationships[].target", "spec.relationships[].type", "spec.relationships[].condition", "spec.relationships[].timeout",
            "spec.relationships[].resultFormat", "spec.workflowType",
            "status.phase", "status.personaCount", "status.installedCount", "status.installedPersonas[].name",
            "status.installedPersonas[].instanceName", "status.installedPersonas[].scheduleName", "status.conditions",
        ],
        ["MCPServer"] =
        [
            "spec.transportType", "spec.url", "spec.deployment.image", "spec.deployment.cmd", "spec.deployment.args",
            "spec.deployment.port", "spec.deployment.env", "spec.deployment.secretRefs[].name", "spec.deployment.resources",
            "spec.deployment.serviceAccountName", "spec.toolsPrefix", "spec.timeout", "spec.replicas", "spec.toolsAllow",
            "spec.toolsDeny", "status.ready", "status.url", "status.toolCount", "status.tools", "status.conditions",
        ],
        ["SympoziumConfig"] =
        [
            "spec.gateway.enabled", "spec.gateway.gatewayClassName", "spec.gateway.name", "spec.gateway.baseDomain",
            "spec.gateway.tls.enabled", "spec.gateway.tls.certManagerClusterIssuer", "spec.gateway.tls.secretName",
            "status.phase", "status.gateway.ready", "status.gateway.address", "status.gateway.listenerCount", "status.conditions",
        ],
    };
}
