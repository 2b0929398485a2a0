using Sympozium.Api.Meta;
using Sympozium.Kubernetes.Pods;

namespace Sympozium.Kubernetes.Tests;

/// <summary>The pod-spec pieces every builder shares.</summary>
public sealed class PodPiecesTests
{
    [Fact]
    public void The_restricted_context_drops_every_capability_and_is_a_fresh_object_each_time()
    {
        var first = ContainerSecurity.Restricted();
        first.Capabilities.Drop.Add("changed by one caller");
        var second = ContainerSecurity.Restricted(runAsNonRoot: true);

        Assert.Equal(["ALL"], second.Capabilities.Drop);
        Assert.Equal((true, false, true), (second.ReadOnlyRootFilesystem, second.AllowPrivilegeEscalation, second.RunAsNonRoot));
        Assert.Null(ContainerSecurity.Restricted().RunAsNonRoot);
    }

    [Fact]
    public void A_non_root_pod_runs_as_user_and_group_1000_with_runtime_default_seccomp()
    {
        var pod = PodSecurity.NonRoot();

        Assert.Equal((true, 1000L, 1000L, "RuntimeDefault"), (pod.RunAsNonRoot, pod.RunAsUser, pod.FsGroup, pod.SeccompProfile.Type));
        Assert.Equal("Localhost", PodSecurity.NonRoot("Localhost").SeccompProfile.Type);
    }

    [Fact]
    public void Env_values_are_never_null_and_pull_secrets_are_left_out_when_there_are_none()
    {
        var secret = EnvVars.FromSecret("TOKEN", "auth", "token", optional: true).ValueFrom.SecretKeyRef;
        var resources = ContainerResources.Bounded("100m", "128Mi", "500m", "1Gi");

        Assert.Equal("", EnvVars.Value("EMPTY", null).Value);
        Assert.Equal(("auth", "token", true), (secret.Name, secret.Key, secret.Optional));
        Assert.Null(PullSecrets.From([]));
        Assert.Null(PullSecrets.From(null));
        Assert.Equal(["regcred"], PullSecrets.From([new LocalObjectReference { Name = "regcred" }])!.Select(s => s.Name));
        Assert.Null(VolumeMounts.Of("v", "/v").ReadOnlyProperty);
        Assert.True(VolumeMounts.Of("v", "/v", readOnly: true).ReadOnlyProperty);
        Assert.Equal(("100m", "128Mi", "500m", "1Gi"), (resources.Requests["cpu"].ToString(), resources.Requests["memory"].ToString(), resources.Limits["cpu"].ToString(), resources.Limits["memory"].ToString()));
    }
}
