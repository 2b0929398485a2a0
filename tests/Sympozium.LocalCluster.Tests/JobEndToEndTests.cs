namespace Sympozium.LocalCluster.Tests;

/// <summary>The whole local cluster together: kubectl → API server → Job controller → kubelet process → logs.</summary>
public sealed class JobEndToEndTests(KubeletFixture cluster) : IClassFixture<KubeletFixture>
{
    [KubectlFact]
    public async Task A_job_running_echo_hi_completes_and_kubectl_logs_prints_hi()
    {
        const string job = """
            apiVersion: batch/v1
            kind: Job
            metadata: {name: hello, namespace: default}
            spec:
              backoffLimit: 0
              template:
                spec:
                  restartPolicy: Never
                  containers:
                  - name: main
                    image: busybox:1.36
                    command: ["sh", "-c", "echo hi"]
            """;

        var apply = await Kubectl.RunAsync(cluster.Kubeconfig, job, "apply", "-f", "-");
        Assert.True(apply.ExitCode == 0, apply.Stderr);
        var wait = await Kubectl.RunAsync(cluster.Kubeconfig, null, "wait", "--for=condition=complete", "job/hello", "--timeout=60s");
        Assert.True(wait.ExitCode == 0, wait.Stderr + wait.Stdout);
        var logs = await Kubectl.RunAsync(cluster.Kubeconfig, null, "logs", "job/hello");

        Assert.True(logs.ExitCode == 0, logs.Stderr);
        Assert.Equal("hi\n", logs.Stdout);
        var status = await Kubectl.RunAsync(cluster.Kubeconfig, null, "get", "job", "hello", "-o", "jsonpath={.status.succeeded}");
        Assert.Equal("1", status.Stdout);
    }

    [KubectlFact]
    public async Task Deleting_a_running_pod_stops_its_process_and_removes_it()
    {
        const string pod = """
            apiVersion: v1
            kind: Pod
            metadata: {name: sleeper, namespace: default}
            spec:
              terminationGracePeriodSeconds: 2
              containers:
              - name: main
                image: busybox
                command: ["sh", "-c", "trap 'echo bye; exit 0' TERM; while true; do sleep 0.1; done"]
            """;
        Assert.Equal(0, (await Kubectl.RunAsync(cluster.Kubeconfig, pod, "apply", "-f", "-")).ExitCode);
        var running = await Kubectl.RunAsync(cluster.Kubeconfig, null, "wait", "--for=condition=ready", "pod/sleeper", "--timeout=60s");
        Assert.True(running.ExitCode == 0, running.Stderr);

        var delete = await Kubectl.RunAsync(cluster.Kubeconfig, null, "delete", "pod", "sleeper", "--timeout=30s");

        Assert.True(delete.ExitCode == 0, delete.Stderr);
        var gone = await Kubectl.RunAsync(cluster.Kubeconfig, null, "get", "pod", "sleeper");
        Assert.NotEqual(0, gone.ExitCode);
        Assert.Contains("NotFound", gone.Stderr, StringComparison.Ordinal);
    }
}
