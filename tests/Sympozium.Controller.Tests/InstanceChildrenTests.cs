using Sympozium.Api.Kinds;
using Sympozium.Api.Meta;
using Sympozium.Controller.Builders;

namespace Sympozium.Controller.Tests;

/// <summary>Objects owned by an instance and a SkillPack, and provider resolution for run creators.</summary>
public class InstanceChildrenTests
{
    private static SympoziumInstance Instance(Action<SympoziumInstance>? change = null)
    {
        var instance = new SympoziumInstance
        {
            Metadata = new ObjectMeta { Name = "alice", Namespace = "team-a", Uid = "11111111-2222-4333-8444-555555555555" },
            Spec = { Agents = { Default = { Model = "gpt-4o" } }, ImagePullSecrets = [new LocalObjectReference { Name = "regcred" }] },
        };
        change?.Invoke(instance);
        return instance;
    }

    [Fact]
    public void Telegram_channel_deployment()
    {
        var instance = Instance(i => i.Spec.Observability = new ObservabilitySpec { Enabled = true, OtlpEndpoint = "otel:4317" });
        var channel = new ChannelSpec { Type = "telegram", ConfigRef = new ChannelConfigRef { Secret = "alice-telegram" } };

        var deployment = InstanceChildrenBuilder.ChannelDeployment(instance, channel, ControllerImages.Default);

        GoldenFile.Assert("channel-telegram", deployment);
        Assert.Equal("alice-channel-telegram", deployment.Metadata.Name);
        Assert.Equal("ghcr.io/sympozium-ai/sympozium/channel-telegram:latest", deployment.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal("regcred", Assert.Single(deployment.Spec.Template.Spec.ImagePullSecrets).Name);
        Assert.Null(deployment.Spec.Strategy);
    }

    [Fact]
    public void Whatsapp_channel_keeps_its_session_on_a_claim_and_never_runs_twice()
    {
        var deployment = InstanceChildrenBuilder.ChannelDeployment(Instance(), new ChannelSpec { Type = "whatsapp" }, ControllerImages.Default);
        var claim = InstanceChildrenBuilder.WhatsAppClaim(Instance());

        Assert.Equal("Recreate", deployment.Spec.Strategy.Type);
        Assert.Equal("alice-channel-whatsapp-data", deployment.Spec.Template.Spec.Volumes.Single().PersistentVolumeClaim.ClaimName);
        Assert.Equal("/data", deployment.Spec.Template.Spec.Containers[0].VolumeMounts.Single().MountPath);
        Assert.Equal("alice-channel-whatsapp-data", claim.Metadata.Name);
        Assert.Equal("256Mi", claim.Spec.Resources.Requests["storage"].ToString());
        Assert.Null(deployment.Spec.Template.Spec.Containers[0].EnvFrom);
    }

    [Fact]
    public void Memory_server_deployment_and_service()
    {
        var instance = Instance();

        GoldenFile.AssertDocuments("memory-server",
        [
            GoldenFile.Node(InstanceChildrenBuilder.MemoryClaim(instance)),
            GoldenFile.Node(InstanceChildrenBuilder.MemoryServerDeployment(instance, ControllerImages.Default)),
            GoldenFile.Node(InstanceChildrenBuilder.MemoryServerService(instance)),
        ]);
        Assert.Equal("http://alice-memory.team-a.svc:8080", InstanceChildrenBuilder.MemoryServerUrl("alice", "team-a"));
    }

    [Fact]
    public void Memory_configmap_holds_the_empty_memory_placeholder()
    {
        var configMap = InstanceChildrenBuilder.MemoryConfigMap(Instance());

        Assert.Equal("alice-memory", configMap.Metadata.Name);
        Assert.Equal("# Agent Memory\n\nNo memories recorded yet.\n", configMap.Data["MEMORY.md"]);
        Assert.Equal("memory", configMap.Metadata.Labels["sympozium.ai/component"]);
    }

    [Fact]
    public void Skillpack_configmap_has_a_markdown_file_per_skill()
    {
        var pack = new SkillPack
        {
            Metadata = new ObjectMeta { Name = "k8s-ops", Namespace = "sympozium-system", Uid = "u-1" },
            Spec = { Skills = [new Skill { Name = "inspect-pods", Description = "Find failing pods.", Content = "Run kubectl get pods." }, new Skill { Name = "logs", Content = "Use kubectl logs." }] },
        };

        var configMap = SkillPackConfigMapBuilder.Build(pack);

        GoldenFile.Assert("skillpack-configmap", configMap);
        Assert.Equal("# inspect-pods\n\n> Find failing pods.\n\nRun kubectl get pods.", configMap.Data["inspect-pods.md"]);
        Assert.Equal("Use kubectl logs.", configMap.Data["logs.md"]);
    }

    [Theory]
    [InlineData("team-anthropic-key", null, null, "anthropic")]
    [InlineData("keys", "azure-openai", null, "azure-openai")]
    [InlineData("", null, "http://ollama.ai.svc:11434/v1", "ollama")]
    [InlineData("", null, "http://10.0.0.5:1234/v1", "lm-studio")]
    [InlineData("", null, "http://vllm.ai.svc:8000/v1", "custom")]
    [InlineData("", null, null, "openai")]
    [InlineData("my-secret", null, null, "openai")]
    public void Provider_is_resolved_from_auth_refs_then_base_url(string secret, string? provider, string? baseUrl, string expected)
    {
        var instance = Instance(i =>
        {
            i.Spec.Agents.Default.BaseURL = baseUrl;
            i.Spec.AuthRefs = secret.Length > 0 || provider is not null ? [new SecretRef { Secret = secret, Provider = provider }] : null;
        });

        Assert.Equal(expected, ProviderResolver.Provider(instance));
        Assert.Equal(secret, ProviderResolver.AuthSecret(instance));
    }
}
