using Sympozium.Api.Kinds;
using Sympozium.Api.Meta;
using Sympozium.Api.WellKnown;

namespace Sympozium.Controller.Builders;

/// <summary>
/// The server-mode AgentRun an instance with the web-endpoint skill owns
/// (docs/design/instances.md#web-endpoint-run, serving.md): <c>&lt;instance&gt;-web-endpoint</c>,
/// serving with the instance's default model.
/// </summary>
public static class WebEndpointRunBuilder
{
    /// <summary>The SkillPack that turns an instance into an HTTP endpoint.</summary>
    public const string Skill = "web-endpoint";

    public static string RunName(string instance) => instance + "-web-endpoint";

    /// <summary>The server-mode run of the docs/design/agent-runs.md#who-creates-runs contract.</summary>
    public static AgentRun Build(SympoziumInstance instance, SkillRef skill)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(skill);
        var name = instance.Metadata.Name!;
        var defaults = instance.Spec.Agents.Default;
        return new AgentRun
        {
            Metadata =
            {
                Name = RunName(name),
                Namespace = instance.Metadata.Namespace,
                Labels = new Dictionary<string, string> { [Labels.Instance] = name, [Labels.Component] = Labels.Components.WebEndpoint },
                OwnerReferences =
                [
                    new OwnerReference
                    {
                        ApiVersion = instance.ApiVersion,
                        Kind = instance.Kind,
                        Name = name,
                        Uid = instance.Metadata.Uid ?? "",
                        Controller = true,
                        BlockOwnerDeletion = true,
                    },
                ],
            },
            Spec =
            {
                InstanceRef = name,
                AgentId = Skill,
                SessionKey = Skill,
                Task = "Serve HTTP requests for this instance",
                Mode = "server",
                Model = new ModelSpec
                {
                    Provider = ProviderResolver.Provider(instance),
                    Model = defaults.Model,
                    BaseURL = defaults.BaseURL,
                    AuthSecretRef = ProviderResolver.AuthSecret(instance),
                    NodeSelector = defaults.NodeSelector is null ? null : new Dictionary<string, string>(defaults.NodeSelector),
                },
                Skills = [new SkillRef { SkillPackRef = skill.SkillPackRef, ConfigMapRef = skill.ConfigMapRef, Params = skill.Params is null ? null : new Dictionary<string, string>(skill.Params) }],
                ImagePullSecrets = instance.Spec.ImagePullSecrets is { Count: > 0 } secrets ? [.. secrets.Select(s => new LocalObjectReference { Name = s.Name })] : null,
            },
        };
    }
}
