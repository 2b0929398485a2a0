using System.Text.Json.Nodes;
using static Sympozium.LocalCluster.Tests.ControllerTestKit;

namespace Sympozium.LocalCluster.Tests;

/// <summary>Job, Deployment, DaemonSet and Endpoints controllers, with pod status simulated through the status subresource.</summary>
public sealed class WorkloadControllerTests(NoKubeletClusterFixture cluster) : IClassFixture<NoKubeletClusterFixture>
{
    private const string Jobs = "apis/batch/v1/namespaces/default/jobs";
    private const string Pods = "api/v1/namespaces/default/pods";
    private readonly HttpClient _http = cluster.Http;

    private static JsonObject Job(string name, JsonObject? spec = null)
    {
        var fullSpec = spec ?? new JsonObject();
        fullSpec["template"] = PodTemplate(new JsonObject { ["app"] = name });
        return new JsonObject
        {
            ["apiVersion"] = "batch/v1",
            ["kind"] = "Job",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["spec"] = fullSpec,
        };
    }

    private async Task<JsonObject> JobAsync(string name) => (await _http.GetJsonAsync($"{Jobs}/{name}")).Body;

    private Task<List<JsonObject>> JobPodsAsync(string job) => _http.PodsAsync("default", $"job-name={job}");

    private async Task<JsonObject> OnePodAsync(string job, Func<JsonObject, bool>? where = null) =>
        await EventuallyAsync(async () => (await JobPodsAsync(job)).FirstOrDefault(p => p["status"]!["phase"]!.GetValue<string>() == "Pending" && (where?.Invoke(p) ?? true)),
            $"a pending pod of job {job}");

    [Fact]
    public async Task A_Job_whose_pod_succeeds_is_Complete_with_counts_and_completionTime()
    {
        Assert.Equal(201, (await _http.PostAsync(Jobs, Job("ok"))).Code);
        var pod = await OnePodAsync("ok");
        var job = await JobAsync("ok");
        Assert.StartsWith("ok-", Name(pod), StringComparison.Ordinal);
        Assert.Equal(8, Name(pod).Length);
        var labels = pod["metadata"]!["labels"]!.AsObject();
        Assert.Equal(Uid(job), labels["batch.kubernetes.io/controller-uid"]!.GetValue<string>());
        Assert.Equal(Uid(job), labels["controller-uid"]!.GetValue<string>());
        Assert.Equal("ok", labels["batch.kubernetes.io/job-name"]!.GetValue<string>());
        var owner = pod["metadata"]!["ownerReferences"]![0]!;
        Assert.Equal(Uid(job), owner["uid"]!.GetValue<string>());
        Assert.True(owner["controller"]!.GetValue<bool>());
        Assert.True(owner["blockOwnerDeletion"]!.GetValue<bool>());
        Assert.Equal(Uid(job), job["spec"]!["selector"]!["matchLabels"]!["batch.kubernetes.io/controller-uid"]!.GetValue<string>());
        await EventuallyAsync(async () => (await JobAsync("ok"))["status"]?["active"]?.GetValue<long>() == 1, "active 1");
        Assert.NotNull((await JobAsync("ok"))["status"]!["startTime"]);

        await _http.SetPodStatusAsync(pod, "Succeeded");
        job = await EventuallyAsync(async () => Condition(await JobAsync("ok"), "Complete") is not null ? await JobAsync("ok") : null, "Complete");
        Assert.Equal("True", Condition(job, "Complete")!["status"]!.GetValue<string>());
        Assert.NotNull(Condition(job, "Complete")!["lastTransitionTime"]);
        Assert.NotNull(Condition(job, "SuccessCriteriaMet"));
        Assert.Equal(1, job["status"]!["succeeded"]!.GetValue<long>());
        Assert.Null(job["status"]!["active"]);
        Assert.NotNull(job["status"]!["completionTime"]);
        Assert.Single(await JobPodsAsync("ok"));
    }

    [Fact]
    public async Task BackoffLimit_0_fails_the_Job_after_one_failed_pod()
    {
        await _http.PostAsync(Jobs, Job("fail0", new JsonObject { ["backoffLimit"] = 0 }));
        await _http.SetPodStatusAsync(await OnePodAsync("fail0"), "Failed");
        var job = await EventuallyAsync(async () => Condition(await JobAsync("fail0"), "Failed") is not null ? await JobAsync("fail0") : null, "Failed");
        Assert.Equal("BackoffLimitExceeded", Condition(job, "Failed")!["reason"]!.GetValue<string>());
        Assert.Equal("BackoffLimitExceeded", Condition(job, "FailureTarget")!["reason"]!.GetValue<string>());
        Assert.Equal(1, job["status"]!["failed"]!.GetValue<long>());
        Assert.Single(await JobPodsAsync("fail0"));
    }

    [Fact]
    public async Task BackoffLimit_2_makes_a_new_pod_per_failure_three_in_all()
    {
        await _http.PostAsync(Jobs, Job("fail2", new JsonObject { ["backoffLimit"] = 2 }));
        var failed = new HashSet<string>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var pod = await OnePodAsync("fail2", p => !failed.Contains(Name(p)));
            failed.Add(Name(pod));
            await _http.SetPodStatusAsync(pod, "Failed");
        }

        var job = await EventuallyAsync(async () => Condition(await JobAsync("fail2"), "Failed") is not null ? await JobAsync("fail2") : null, "Failed");
        Assert.Equal("BackoffLimitExceeded", Condition(job, "Failed")!["reason"]!.GetValue<string>());
        Assert.Equal(3, job["status"]!["failed"]!.GetValue<long>());
        Assert.Equal(3, (await JobPodsAsync("fail2")).Count);
    }

    [Fact]
    public async Task ActiveDeadlineSeconds_fails_the_Job_and_deletes_its_pods()
    {
        await _http.PostAsync(Jobs, Job("deadline", new JsonObject { ["activeDeadlineSeconds"] = 1 }));
        await OnePodAsync("deadline");
        var job = await EventuallyAsync(async () => Condition(await JobAsync("deadline"), "Failed") is not null ? await JobAsync("deadline") : null, "Failed", 15);
        Assert.Equal("DeadlineExceeded", Condition(job, "Failed")!["reason"]!.GetValue<string>());
        await EventuallyAsync(async () => (await JobPodsAsync("deadline")).Count == 0, "the pods to be deleted");
    }

    [Fact]
    public async Task TtlSecondsAfterFinished_deletes_the_Job_and_the_garbage_collector_its_pods()
    {
        await _http.PostAsync(Jobs, Job("ttl", new JsonObject { ["ttlSecondsAfterFinished"] = 0 }));
        await _http.SetPodStatusAsync(await OnePodAsync("ttl"), "Succeeded");
        await EventuallyAsync(() => _http.GoneAsync($"{Jobs}/ttl"), "the Job to be deleted");
        Assert.Empty(await JobPodsAsync("ttl"));
    }

    [Fact]
    public async Task Suspend_keeps_a_Job_from_making_pods()
    {
        await _http.PostAsync(Jobs, Job("suspended", new JsonObject { ["suspend"] = true }));
        var job = await EventuallyAsync(async () => Condition(await JobAsync("suspended"), "Suspended") is not null ? await JobAsync("suspended") : null, "Suspended");
        Assert.Equal("True", Condition(job, "Suspended")!["status"]!.GetValue<string>());
        Assert.Empty(await JobPodsAsync("suspended"));
    }

    [KubectlFact]
    public async Task Kubectl_wait_for_condition_complete_returns_when_the_pod_succeeds()
    {
        await _http.PostAsync(Jobs, Job("waited"));
        var pod = await OnePodAsync("waited");
        var wait = Kubectl.RunAsync(cluster.Server.KubeconfigPath, null, "wait", "--for=condition=complete", "job/waited", "--timeout=30s");
        await Task.Delay(500);
        await _http.SetPodStatusAsync(pod, "Succeeded");
        var (exit, stdout, stderr) = await wait;
        Assert.True(exit == 0, stderr);
        Assert.Contains("job.batch/waited condition met", stdout, StringComparison.Ordinal);
    }

    private static JsonObject Deployment(string name, long replicas, string strategy = "RollingUpdate") => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "Deployment",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject
        {
            ["replicas"] = replicas,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
            ["strategy"] = new JsonObject { ["type"] = strategy },
            ["template"] = PodTemplate(new JsonObject { ["app"] = name }),
        },
    };

    private async Task<List<JsonObject>> LivePodsAsync(string app) =>
        (await _http.PodsAsync("default", $"app={app}")).Where(p => p["metadata"]!["deletionTimestamp"] is null).ToList();

    private async Task ReadyAllAsync(string app, int from = 10)
    {
        var i = from;
        foreach (var pod in await LivePodsAsync(app))
        {
            if (pod["status"]!["phase"]!.GetValue<string>() == "Pending")
            {
                await _http.SetPodStatusAsync(pod, "Running", ready: true, ip: $"127.0.9.{i++}");
            }
        }
    }

    [Fact]
    public async Task A_Deployment_scales_through_a_ReplicaSet_and_replaces_pods_when_its_template_changes()
    {
        const string path = "apis/apps/v1/namespaces/default/deployments";
        await _http.PostAsync(path, Deployment("web", 2));
        await EventuallyAsync(async () => (await LivePodsAsync("web")).Count == 2, "2 pods");
        var first = await LivePodsAsync("web");
        var hash = first[0]["metadata"]!["labels"]!["pod-template-hash"]!.GetValue<string>();
        var owner = first[0]["metadata"]!["ownerReferences"]![0]!;
        Assert.Equal("ReplicaSet", owner["kind"]!.GetValue<string>());
        Assert.Equal($"web-{hash}", owner["name"]!.GetValue<string>());
        await ReadyAllAsync("web");
        var deployment = await EventuallyAsync(async () =>
        {
            var (_, d) = await _http.GetJsonAsync($"{path}/web");
            return d["status"]?["availableReplicas"]?.GetValue<long>() == 2 ? d : null;
        }, "2 available");
        Assert.Equal(2, deployment["status"]!["readyReplicas"]!.GetValue<long>());
        Assert.Equal(2, deployment["status"]!["updatedReplicas"]!.GetValue<long>());
        Assert.Equal(deployment["metadata"]!["generation"]!.GetValue<long>(), deployment["status"]!["observedGeneration"]!.GetValue<long>());
        Assert.Equal("True", Condition(deployment, "Available")!["status"]!.GetValue<string>());
        Assert.Equal("NewReplicaSetAvailable", Condition(deployment, "Progressing")!["reason"]!.GetValue<string>());

        // Scale up through the scale subresource, then down through spec.replicas.
        var (_, scale) = await _http.GetJsonAsync($"{path}/web/scale");
        scale["spec"]!["replicas"] = 4;
        Assert.Equal(200, (await _http.PutAsync($"{path}/web/scale", scale)).Code);
        await EventuallyAsync(async () => (await LivePodsAsync("web")).Count == 4, "4 pods");
        await UpdateAsync($"{path}/web", d => d["spec"]!["replicas"] = 1);
        await EventuallyAsync(async () => (await LivePodsAsync("web")).Count == 1, "1 pod");

        // A template change makes a new ReplicaSet; the old pods go once the new ones are available.
        await UpdateAsync($"{path}/web", d => d["spec"]!["template"]!["metadata"]!["labels"]!["version"] = "2");
        var fresh = await EventuallyAsync(async () =>
            (await LivePodsAsync("web")).FirstOrDefault(p => p["metadata"]!["labels"]!["pod-template-hash"]!.GetValue<string>() != hash), "a pod of the new template");
        await _http.SetPodStatusAsync(fresh, "Running", ready: true, ip: "127.0.9.50");
        await EventuallyAsync(async () =>
        {
            var live = await LivePodsAsync("web");
            return live.Count == 1 && live[0]["metadata"]!["labels"]!["version"]?.GetValue<string>() == "2";
        }, "only the new pod left");
        var (_, rsList) = await _http.GetJsonAsync("apis/apps/v1/namespaces/default/replicasets");
        Assert.Equal(2, rsList["items"]!.AsArray().Count(r => r!["metadata"]!["name"]!.GetValue<string>().StartsWith("web-", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_Recreate_Deployment_deletes_the_old_pods_before_making_new_ones()
    {
        const string path = "apis/apps/v1/namespaces/default/deployments";
        await _http.PostAsync(path, Deployment("recreated", 2, "Recreate"));
        await EventuallyAsync(async () => (await LivePodsAsync("recreated")).Count == 2, "2 pods");
        var (_, d) = await _http.GetJsonAsync($"{path}/recreated");
        d["spec"]!["template"]!["metadata"]!["labels"]!["version"] = "2";
        await _http.PutAsync($"{path}/recreated", d);
        await EventuallyAsync(async () =>
        {
            var live = await LivePodsAsync("recreated");
            return live.Count == 2 && live.All(p => p["metadata"]!["labels"]!["version"]?.GetValue<string>() == "2");
        }, "2 pods of the new template");
    }

    [Fact]
    public async Task A_DaemonSet_puts_one_pod_on_each_matching_node()
    {
        foreach (var (name, pool) in new[] { ("ds-a", "gpu"), ("ds-b", "gpu"), ("ds-c", "cpu") })
        {
            await _http.PostAsync("api/v1/nodes", new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Node",
                ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["sympozium.test/pool"] = pool } },
            });
        }

        const string path = "apis/apps/v1/namespaces/default/daemonsets";
        await _http.PostAsync(path, new JsonObject
        {
            ["apiVersion"] = "apps/v1",
            ["kind"] = "DaemonSet",
            ["metadata"] = new JsonObject { ["name"] = "agent" },
            ["spec"] = new JsonObject
            {
                ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "agent" } },
                ["template"] = PodTemplate(new JsonObject { ["app"] = "agent" }, new JsonObject { ["sympozium.test/pool"] = "gpu" }, image: "sympozium.test/unknown-image"),
            },
        });
        var pods = await EventuallyAsync(async () =>
        {
            var live = (await _http.PodsAsync("default", "app=agent")).Where(p => p["metadata"]!["deletionTimestamp"] is null).ToList();
            return live.Count == 2 ? live : null;
        }, "2 daemon pods");
        Assert.Equal(["ds-a", "ds-b"], pods.Select(p => p["spec"]!["nodeName"]!.GetValue<string>()).Order());
        var ds = await EventuallyAsync(async () =>
        {
            var (_, d) = await _http.GetJsonAsync($"{path}/agent");
            return d["status"]?["currentNumberScheduled"]?.GetValue<long>() == 2 ? d : null;
        }, "status");
        Assert.Equal(2, ds["status"]!["desiredNumberScheduled"]!.GetValue<long>());
        Assert.Equal(2, ds["status"]!["updatedNumberScheduled"]!.GetValue<long>());

        // A node that gains the label gets a pod too.
        var (_, c) = await _http.GetJsonAsync("api/v1/nodes/ds-c");
        c["metadata"]!["labels"]!["sympozium.test/pool"] = "gpu";
        await _http.PutAsync("api/v1/nodes/ds-c", c);
        await EventuallyAsync(async () => (await _http.PodsAsync("default", "app=agent")).Any(p => p["spec"]!["nodeName"]!.GetValue<string>() == "ds-c"), "a pod on ds-c");
    }

    [Fact]
    public async Task Endpoints_list_ready_pods_as_addresses_and_the_others_as_not_ready()
    {
        await _http.PostAsync("api/v1/namespaces/default/services", new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = new JsonObject { ["name"] = "backend" },
            ["spec"] = new JsonObject
            {
                ["selector"] = new JsonObject { ["app"] = "backend" },
                ["ports"] = new JsonArray(new JsonObject { ["name"] = "web", ["port"] = 80, ["targetPort"] = "http" }),
            },
        });
        foreach (var name in new[] { "backend-1", "backend-2" })
        {
            await _http.PostAsync(Pods, new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Pod",
                ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["app"] = "backend" } },
                ["spec"] = PodTemplate(new JsonObject())["spec"]!.DeepClone(),
            });
        }

        await _http.SetPodStatusAsync((await _http.GetJsonAsync($"{Pods}/backend-1")).Body, "Running", ready: true, ip: "127.0.8.1");
        await _http.SetPodStatusAsync((await _http.GetJsonAsync($"{Pods}/backend-2")).Body, "Running", ready: false, ip: "127.0.8.2");
        var endpoints = await EventuallyAsync(async () =>
        {
            var (code, e) = await _http.GetJsonAsync("api/v1/namespaces/default/endpoints/backend");
            return code == 200 && e["subsets"]?[0]?["notReadyAddresses"] is not null && e["subsets"]?[0]?["addresses"] is not null ? e : null;
        }, "endpoints with both addresses");
        var subset = endpoints["subsets"]![0]!;
        Assert.Equal("127.0.8.1", subset["addresses"]![0]!["ip"]!.GetValue<string>());
        Assert.Equal("backend-1", subset["addresses"]![0]!["targetRef"]!["name"]!.GetValue<string>());
        Assert.Equal("127.0.8.2", subset["notReadyAddresses"]![0]!["ip"]!.GetValue<string>());
        Assert.Equal(8080, subset["ports"]![0]!["port"]!.GetValue<long>());
        Assert.Equal("web", subset["ports"]![0]!["name"]!.GetValue<string>());

        await _http.DeleteAsync("api/v1/namespaces/default/services/backend");
        await EventuallyAsync(() => _http.GoneAsync("api/v1/namespaces/default/endpoints/backend"), "the endpoints to go with the service");
    }

    /// <summary>Read-modify-write that retries when the controllers' status writes make the read stale (409).</summary>
    private async Task UpdateAsync(string objectPath, Action<JsonObject> change)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (_, current) = await _http.GetJsonAsync(objectPath);
            change(current);
            var (code, body) = await _http.PutAsync(objectPath, current);
            if (code == 200)
            {
                return;
            }

            Assert.True(code == 409 && attempt < 10, $"update of {objectPath} answered {code}: {body}");
        }
    }
}
