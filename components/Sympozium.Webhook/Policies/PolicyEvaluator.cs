using System.Globalization;
using Sympozium.Api.Kinds;
using Sympozium.Api.Validation;

namespace Sympozium.Webhook.Policies;

/// <summary>
/// The policy rules of docs/design/admission.md#decision-table (rows 6–15) as pure functions, in
/// upstream's order, plus the fields upstream left inert (docs/design/upstream-fixes.md#cp-6):
/// maxCPU/maxMemory, host access (<see cref="HostAccessRule"/>), toolGating.defaultAction and networkPolicy. Each returns the
/// first violation as a message that names the field and the fix, or null when the object complies.
/// </summary>
public static class PolicyEvaluator
{
    /// <summary>Checks a run against the policy of its instance. <paramref name="skillPacks"/> are the packs the run mounts.</summary>
    public static string? EvaluateRun(AgentRun run, SympoziumInstance instance, SympoziumPolicy policy, IReadOnlyList<SkillPack> skillPacks)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(skillPacks);
        var spec = policy.Spec;
        var sandboxed = run.Spec.Sandbox?.Enabled == true;
        var agentSandboxed = run.Spec.AgentSandbox?.Enabled == true;

        if (spec.SandboxPolicy?.Required == true && !sandboxed)
        {
            return "sandbox is required by policy (set spec.sandbox.enabled: true)";
        }

        if (CheckResources(spec.SandboxPolicy, RunResources(run, skillPacks)) is { } resources)
        {
            return resources;
        }

        if (HostAccessRule.Check(policy, HostAccessRule.Escapes(run, skillPacks)) is { } host)
        {
            return host;
        }

        if (SpawnDepthRule.Check(run, spec.SubagentPolicy?.MaxDepth) is { } depth)
        {
            return depth;
        }

        if (CheckTools(spec.ToolGating, run.Spec.ToolPolicy) is { } tools)
        {
            return tools;
        }

        if (Gate(spec, FeatureGates.CodeExecution) == false && sandboxed)
        {
            return "code execution is disabled by policy (featureGates.code-execution: false) and spec.sandbox.enabled is true";
        }

        if (Gate(spec, FeatureGates.SubAgents) == false && run.Spec.Parent is not null)
        {
            return "sub-agents are disabled by policy (featureGates.sub-agents: false) and the run has spec.parent";
        }

        if (sandboxed && agentSandboxed)
        {
            return "spec.sandbox and spec.agentSandbox are mutually exclusive; enable only one";
        }

        if (agentSandboxed && run.Spec.Mode == "server")
        {
            return "spec.agentSandbox cannot be used with mode: server";
        }

        var agentSandboxPolicy = spec.SandboxPolicy?.AgentSandboxPolicy;
        if (agentSandboxPolicy?.Required == true && !agentSandboxed)
        {
            return "agent sandbox is required by policy (set spec.agentSandbox.enabled: true)";
        }

        if (agentSandboxed && CheckRuntimeClass(agentSandboxPolicy, run.Spec.AgentSandbox?.RuntimeClass, "spec.agentSandbox.runtimeClass") is { } runtimeClass)
        {
            return runtimeClass;
        }

        return CheckModelEndpoint(spec.NetworkPolicy, run.Spec.Model.BaseURL, instance.Spec.Agents.Default.BaseURL);
    }

    /// <summary>Checks an instance's defaults against the policy it references. <paramref name="skillPacks"/> are the instance's packs.</summary>
    public static string? EvaluateInstance(SympoziumInstance instance, SympoziumPolicy policy, IReadOnlyList<SkillPack> skillPacks)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(skillPacks);
        var spec = policy.Spec;
        var defaults = instance.Spec.Agents.Default;
        var sandboxed = defaults.Sandbox?.Enabled == true;
        var agentSandboxed = defaults.AgentSandbox?.Enabled == true;

        if (spec.SandboxPolicy?.Required == true && !sandboxed)
        {
            return "sandbox is required by policy (set spec.agents.default.sandbox.enabled: true)";
        }

        if (CheckResources(spec.SandboxPolicy, InstanceResources(instance, skillPacks)) is { } resources)
        {
            return resources;
        }

        if (HostAccessRule.Check(policy, skillPacks.SelectMany(HostAccessRule.Escapes)) is { } host)
        {
            return host;
        }

        if (defaults.Subagents?.MaxDepth is { } depth && spec.SubagentPolicy?.MaxDepth is > 0 and var max && depth > max)
        {
            return $"spec.agents.default.subagents.maxDepth {depth} exceeds the policy's maxDepth {max}";
        }

        if (Gate(spec, FeatureGates.CodeExecution) == false && sandboxed)
        {
            return "code execution is disabled by policy (featureGates.code-execution: false) and spec.agents.default.sandbox.enabled is true";
        }

        if (sandboxed && agentSandboxed)
        {
            return "spec.agents.default.sandbox and spec.agents.default.agentSandbox are mutually exclusive; enable only one";
        }

        var agentSandboxPolicy = spec.SandboxPolicy?.AgentSandboxPolicy;
        if (agentSandboxPolicy?.Required == true && !agentSandboxed)
        {
            return "agent sandbox is required by policy (set spec.agents.default.agentSandbox.enabled: true)";
        }

        return agentSandboxed
            ? CheckRuntimeClass(agentSandboxPolicy, defaults.AgentSandbox?.RuntimeClass, "spec.agents.default.agentSandbox.runtimeClass")
            : null;
    }

    /// <summary>Checks a policy itself: values the webhook compares later must parse.</summary>
    public static string? EvaluatePolicy(SympoziumPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return CheckLimit(policy.Spec.SandboxPolicy?.MaxCPU, "spec.sandboxPolicy.maxCPU", out _)
            ?? HostAccessRule.CheckPolicy(policy)
            ?? CheckLimit(policy.Spec.SandboxPolicy?.MaxMemory, "spec.sandboxPolicy.maxMemory", out _)
            ?? (policy.Spec.ToolGating?.DefaultAction is { } action && !ToolActions.IsKnown(action)
                ? $"spec.toolGating.defaultAction \"{action}\" is not one of allow, deny, ask"
                : null)
            ?? policy.Spec.ToolGating?.Rules?.Where(r => !ToolActions.IsKnown(r.Action))
                .Select(r => $"spec.toolGating.rules: action \"{r.Action}\" of tool \"{r.Tool}\" is not one of allow, deny, ask")
                .FirstOrDefault();
    }

    /// <summary>The value of a feature gate; null when the policy does not set it (not set means enabled).</summary>
    private static bool? Gate(SympoziumPolicySpec spec, string gate) =>
        spec.FeatureGates is { } gates && gates.TryGetValue(gate, out var value) ? value : null;

    /// <summary>A resource setting somewhere in the object: where it is written, and its text.</summary>
    private readonly record struct ResourceValue(string Field, string Resource, string Text);

    private static IEnumerable<ResourceValue> RunResources(AgentRun run, IReadOnlyList<SkillPack> packs) =>
        Resources("spec.sandbox.resources", run.Spec.Sandbox?.Enabled == true ? run.Spec.Sandbox.Resources : null)
            .Concat(Resources("spec.agentSandbox.resources", run.Spec.AgentSandbox?.Enabled == true ? run.Spec.AgentSandbox.Resources : null))
            .Concat(SidecarResources(packs));

    private static IEnumerable<ResourceValue> InstanceResources(SympoziumInstance instance, IReadOnlyList<SkillPack> packs)
    {
        var defaults = instance.Spec.Agents.Default;
        return Resources("spec.agents.default.sandbox.resources", defaults.Sandbox?.Resources)
            .Concat(Resources("spec.agents.default.agentSandbox.warmPool.resources", defaults.AgentSandbox?.WarmPool?.Resources))
            .Concat(SidecarResources(packs));
    }

    private static IEnumerable<ResourceValue> Resources(string field, SandboxResources? resources)
    {
        foreach (var (kind, map) in new[] { ("requests", resources?.Requests), ("limits", resources?.Limits) })
        {
            foreach (var (name, text) in map ?? [])
            {
                if (name is "cpu" or "memory")
                {
                    yield return new ResourceValue($"{field}.{kind}.{name}", name, text);
                }
            }
        }
    }

    private static IEnumerable<ResourceValue> SidecarResources(IReadOnlyList<SkillPack> packs)
    {
        foreach (var pack in packs)
        {
            var resources = pack.Spec.Sidecar?.Resources;
            var where = $"SkillPack {pack.Metadata.Name} spec.sidecar.resources";
            if (resources?.Cpu is { } cpu)
            {
                yield return new ResourceValue(where + ".cpu", "cpu", cpu);
            }

            if (resources?.Memory is { } memory)
            {
                yield return new ResourceValue(where + ".memory", "memory", memory);
            }
        }
    }

    /// <summary>maxCPU / maxMemory: every explicit request and limit must parse and stay within the maximum.</summary>
    private static string? CheckResources(SandboxPolicy? sandboxPolicy, IEnumerable<ResourceValue> values)
    {
        if (CheckLimit(sandboxPolicy?.MaxCPU, "sandboxPolicy.maxCPU", out var maxCpu) is { } badCpu)
        {
            return "the policy is invalid: " + badCpu;
        }

        if (CheckLimit(sandboxPolicy?.MaxMemory, "sandboxPolicy.maxMemory", out var maxMemory) is { } badMemory)
        {
            return "the policy is invalid: " + badMemory;
        }

        foreach (var value in values)
        {
            if (!QuantityParser.TryParse(value.Text, out var amount))
            {
                return $"{value.Field} \"{value.Text}\" is not a valid quantity (e.g. {(value.Resource == "cpu" ? "500m or 2" : "512Mi or 4Gi")})";
            }

            var (max, maxText, maxField) = value.Resource == "cpu"
                ? (maxCpu, sandboxPolicy?.MaxCPU, "maxCPU")
                : (maxMemory, sandboxPolicy?.MaxMemory, "maxMemory");
            if (max is { } limit && amount > limit)
            {
                return $"{value.Field} {value.Text} exceeds the policy's {maxField} {maxText}";
            }
        }

        return null;
    }

    private static string? CheckLimit(string? text, string field, out decimal? value)
    {
        value = null;
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (!QuantityParser.TryParse(text, out var parsed) || parsed < 0)
        {
            return $"{field} \"{text}\" is not a valid quantity (e.g. 2, 500m, 4Gi)";
        }

        value = parsed;
        return null;
    }

    /// <summary>Rows 9 and the default action: a denied tool, or with defaultAction deny an unlisted tool, may not be allowed by the run.</summary>
    private static string? CheckTools(ToolGatingPolicy? gating, ToolPolicySpec? toolPolicy)
    {
        if (gating is null || toolPolicy?.Allow is not { Count: > 0 } allowed)
        {
            return null;
        }

        var rules = gating.Rules ?? [];
        foreach (var tool in allowed)
        {
            var rule = rules.FirstOrDefault(r => r.Tool == tool);
            if (rule?.Action == ToolActions.Deny)
            {
                return $"tool \"{tool}\" is denied by policy";
            }

            if (rule is null && gating.DefaultAction == ToolActions.Deny)
            {
                return $"tool \"{tool}\" is not allowed by policy (toolGating.defaultAction is deny and no rule allows it)";
            }
        }

        return null;
    }

    private static string? CheckRuntimeClass(AgentSandboxPolicy? policy, string? runtimeClass, string field) =>
        policy?.AllowedRuntimeClasses is { Count: > 0 } allowed && !string.IsNullOrEmpty(runtimeClass) && !allowed.Contains(runtimeClass)
            ? $"{field} \"{runtimeClass}\" is not allowed by policy (allowed: {string.Join(", ", allowed)})"
            : null;

    /// <summary>
    /// networkPolicy: under egress isolation the agent pod can reach only the instance's endpoint
    /// and the policy's allowedEgress, so a run pointing its model elsewhere would hang; deny it
    /// at admission instead.
    /// </summary>
    private static string? CheckModelEndpoint(NetworkPolicySpec? network, string? runBaseUrl, string? instanceBaseUrl)
    {
        if (network is null || network.DenyAll == false || string.IsNullOrEmpty(runBaseUrl))
        {
            return null;
        }

        if (!Uri.TryCreate(runBaseUrl, UriKind.Absolute, out var target))
        {
            return $"spec.model.baseURL \"{runBaseUrl}\" is not an absolute URL";
        }

        if (Uri.TryCreate(instanceBaseUrl, UriKind.Absolute, out var instanceTarget)
            && string.Equals(instanceTarget.Host, target.Host, StringComparison.OrdinalIgnoreCase) && instanceTarget.Port == target.Port)
        {
            return null;
        }

        if (EgressMatcher.Allows(network.AllowedEgress, target.Host, target.Port))
        {
            return null;
        }

        return $"spec.model.baseURL host {target.Host}:{target.Port.ToString(CultureInfo.InvariantCulture)} is not reachable under the policy's networkPolicy "
            + "(use the instance's endpoint or add it to networkPolicy.allowedEgress)";
    }
}

/// <summary>Feature gate names.</summary>
public static class FeatureGates
{
    public const string CodeExecution = "code-execution";
    public const string SubAgents = "sub-agents";
}

/// <summary>toolGating actions.</summary>
public static class ToolActions
{
    public const string Allow = "allow";
    public const string Deny = "deny";
    public const string Ask = "ask";

    public static bool IsKnown(string action) => action is Allow or Deny or Ask;
}
