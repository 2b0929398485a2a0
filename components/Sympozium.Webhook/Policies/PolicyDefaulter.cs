using System.Text.Json.Nodes;
using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;

namespace Sympozium.Webhook.Policies;

/// <summary>
/// The mutating half (docs/design/admission.md#mutating-defaults), registered this time: fills what
/// the policy requires so a run or instance written without it is admitted in compliance instead of
/// denied. Works on a copy of the object's JSON so fields this code does not model survive unchanged.
/// </summary>
public static class PolicyDefaulter
{
    /// <summary>The run with the policy's defaults applied (a new object; <paramref name="run"/> is not changed).</summary>
    public static JsonObject DefaultRun(JsonObject run, SympoziumPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(policy);
        var result = run.DeepClone().AsObject();
        var spec = Child(result, "spec");
        var sandboxPolicy = policy.Spec.SandboxPolicy;

        if (sandboxPolicy?.Required == true)
        {
            var sandbox = Child(spec, "sandbox");
            sandbox["enabled"] = true;
            if (sandbox["image"] is null && !string.IsNullOrEmpty(sandboxPolicy.DefaultImage))
            {
                sandbox["image"] = sandboxPolicy.DefaultImage;
            }
        }

        var sandboxed = spec["sandbox"]?["enabled"]?.GetValueKind() == System.Text.Json.JsonValueKind.True;
        if (sandboxed && sandboxPolicy?.SeccompProfile?.Type is { Length: > 0 } seccomp)
        {
            var profile = Child(Child(Child(spec, "sandbox"), "securityContext"), "seccompProfile");
            profile["type"] ??= seccomp;
        }

        ApplyToolGating(spec, policy.Spec.ToolGating);

        var agentSandboxPolicy = sandboxPolicy?.AgentSandboxPolicy;
        if (agentSandboxPolicy?.Required == true)
        {
            Child(spec, "agentSandbox")["enabled"] = true;
        }

        var agentSandboxed = spec["agentSandbox"]?["enabled"]?.GetValueKind() == System.Text.Json.JsonValueKind.True;
        if (agentSandboxed && spec["agentSandbox"]!["runtimeClass"] is null && !string.IsNullOrEmpty(agentSandboxPolicy?.DefaultRuntimeClass))
        {
            spec["agentSandbox"]!["runtimeClass"] = agentSandboxPolicy.DefaultRuntimeClass;
        }

        var metadata = Child(result, "metadata");
        var labels = Child(metadata, "labels");
        labels[Labels.Role] = Labels.Values.Agent;
        if (sandboxed)
        {
            labels[Labels.Sandbox] = Labels.Values.True;
        }

        if (agentSandboxed)
        {
            labels[Labels.AgentSandbox] = Labels.Values.True;
        }

        Child(metadata, "annotations")[Annotations.DisableServiceAccountToken] = Labels.Values.True;
        return result;
    }

    /// <summary>The instance with the policy's sandbox defaults applied (a new object).</summary>
    public static JsonObject DefaultInstance(JsonObject instance, SympoziumPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(policy);
        var result = instance.DeepClone().AsObject();
        var defaults = Child(Child(Child(result, "spec"), "agents"), "default");
        var sandboxPolicy = policy.Spec.SandboxPolicy;
        if (sandboxPolicy?.Required == true)
        {
            var sandbox = Child(defaults, "sandbox");
            sandbox["enabled"] = true;
            if (sandbox["image"] is null && !string.IsNullOrEmpty(sandboxPolicy.DefaultImage))
            {
                sandbox["image"] = sandboxPolicy.DefaultImage;
            }
        }

        var agentSandboxPolicy = sandboxPolicy?.AgentSandboxPolicy;
        if (agentSandboxPolicy?.Required == true)
        {
            var agentSandbox = Child(defaults, "agentSandbox");
            agentSandbox["enabled"] = true;
            if (agentSandbox["runtimeClass"] is null && !string.IsNullOrEmpty(agentSandboxPolicy.DefaultRuntimeClass))
            {
                agentSandbox["runtimeClass"] = agentSandboxPolicy.DefaultRuntimeClass;
            }
        }

        return result;
    }

    /// <summary>
    /// A run without a toolPolicy gets one from the rules: denied tools in <c>deny</c>, and with
    /// defaultAction deny the allowed tools in <c>allow</c> (so everything else is refused; tools
    /// marked ask stay out until an approval flow exists). A run with its own toolPolicy keeps it,
    /// with the policy's denied tools added to its deny list.
    /// </summary>
    private static void ApplyToolGating(JsonObject spec, ToolGatingPolicy? gating)
    {
        if (gating is null)
        {
            return;
        }

        var rules = gating.Rules ?? [];
        var denied = rules.Where(r => r.Action == ToolActions.Deny).Select(r => r.Tool).Distinct().ToList();
        var allowed = rules.Where(r => r.Action == ToolActions.Allow).Select(r => r.Tool).Distinct().ToList();
        if (spec["toolPolicy"] is not JsonObject toolPolicy)
        {
            var defaultDeny = gating.DefaultAction == ToolActions.Deny;
            if (denied.Count == 0 && !defaultDeny)
            {
                return;
            }

            toolPolicy = Child(spec, "toolPolicy");
            if (defaultDeny)
            {
                toolPolicy["allow"] = new JsonArray([.. allowed.Select(t => (JsonNode)JsonValue.Create(t))]);
            }

            if (denied.Count > 0)
            {
                toolPolicy["deny"] = new JsonArray([.. denied.Select(t => (JsonNode)JsonValue.Create(t))]);
            }

            return;
        }

        if (denied.Count == 0)
        {
            return;
        }

        var existing = (toolPolicy["deny"] as JsonArray ?? []).Select(n => n?.GetValueKind() == System.Text.Json.JsonValueKind.String ? n.GetValue<string>() : null).OfType<string>().ToList();
        var missing = denied.Where(t => !existing.Contains(t)).ToList();
        if (missing.Count > 0)
        {
            toolPolicy["deny"] = new JsonArray([.. existing.Concat(missing).Select(t => (JsonNode)JsonValue.Create(t))]);
        }
    }

    /// <summary>The object under <paramref name="name"/>, created when absent (or null).</summary>
    private static JsonObject Child(JsonObject parent, string name)
    {
        if (parent[name] is JsonObject child)
        {
            return child;
        }

        child = new JsonObject();
        parent[name] = child;
        return child;
    }
}
