using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Sympozium.LocalCluster.Tests;

/// <summary>KubernetesClient on pods, in a cluster without a kubelet so the test owns the pod status.</summary>
public sealed class KubernetesClientPodTests(NoKubeletClusterFixture cluster) : IClassFixture<NoKubeletClusterFixture>
{
    private Kubernetes Client() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.Server.KubeconfigPath));

    [Fact]
    public async Task Pod_create_status_patch_and_strategic_patch()
    {
        using var client = Client();
        await client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "kc-pod" },
            Spec = new V1PodSpec { NodeName = "local-node" /* no kubelet in this cluster: the test owns the status */, Containers = [new V1Container { Name = "main", Image = "busybox", Env = [new V1EnvVar { Name = "A", Value = "1" }] }] },
        }, "default");

        var withStatus = await client.CoreV1.PatchNamespacedPodStatusAsync(
            new V1Patch("{\"status\":{\"phase\":\"Running\",\"podIP\":\"127.0.0.2\"}}", V1Patch.PatchType.MergePatch), "kc-pod", "default");
        Assert.Equal("Running", withStatus.Status.Phase);

        var patched = await client.CoreV1.PatchNamespacedPodAsync(
            new V1Patch("{\"spec\":{\"containers\":[{\"name\":\"main\",\"env\":[{\"name\":\"B\",\"value\":\"2\"}]}]}}", V1Patch.PatchType.StrategicMergePatch), "kc-pod", "default");
        Assert.Equal(["A", "B"], patched.Spec.Containers[0].Env.Select(e => e.Name).ToArray());
        Assert.Equal("Running", patched.Status.Phase);

        var running = await client.CoreV1.ListNamespacedPodAsync("default", fieldSelector: "status.phase=Running");
        Assert.Contains(running.Items, p => p.Metadata.Name == "kc-pod");
        await client.CoreV1.DeleteNamespacedPodAsync("kc-pod", "default");
    }
}
