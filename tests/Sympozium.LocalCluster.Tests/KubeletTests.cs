using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Sympozium.LocalCluster.Tests;

/// <summary>The local kubelet running real processes: phases, exit codes, env, volumes, lifecycle, scheduling, logs.</summary>
public sealed class KubeletTests(KubeletFixture cluster) : IClassFixture<KubeletFixture>
{
    private LocalClusterServer Server => cluster.Server;

    [KubectlFact]
    public async Task Echo_hi_succeeds_and_kubectl_logs_prints_hi()
    {
        Server.Create(Pods.Pod("hi", Pods.Container("main", "echo hi")));
        var pod = await Server.WaitPhaseAsync("hi", "Succeeded");
        var terminated = pod.Status("main")!["state"]!["terminated"]!;
        Assert.Equal(0, terminated["exitCode"]!.GetValue<int>());
        Assert.Equal("Completed", terminated["reason"]!.ToString());
        Assert.StartsWith("127.", pod["status"]!["podIP"]!.ToString(), StringComparison.Ordinal);
        Assert.NotEqual("127.0.0.1", pod["status"]!["podIP"]!.ToString());

        var logs = await Kubectl.RunAsync(cluster.Kubeconfig, null, "logs", "hi");
        Assert.True(logs.ExitCode == 0, logs.Stderr);
        Assert.Equal("hi\n", logs.Stdout);
    }

    [Fact]
    public async Task A_failing_command_fails_the_pod_with_its_exit_code()
    {
        Server.Create(Pods.Pod("fail", Pods.Container("main", "echo oops >&2; exit 3")));
        var pod = await Server.WaitPhaseAsync("fail", "Failed");
        var terminated = pod.Status("main")!["state"]!["terminated"]!;
        Assert.Equal(3, terminated["exitCode"]!.GetValue<int>());
        Assert.Equal("Error", terminated["reason"]!.ToString());
        Assert.Equal("oops\n", Server.Logs("fail", "main"));
    }

    [Fact]
    public async Task The_termination_message_file_becomes_the_terminated_message_capped_at_4096_bytes()
    {
        var big = Pods.Container("main", "head -c 5000 /dev/zero | tr '\\0' x > \"$SYMPOZIUM_ROOT/dev/termination-log\"");
        var custom = Pods.Container("custom", "mkdir -p \"$SYMPOZIUM_ROOT/run\"; printf done > \"$SYMPOZIUM_ROOT/run/report\"");
        custom["terminationMessagePath"] = "/run/report";
        var silent = Pods.Container("silent", "echo only a log line");
        Server.Create(Pods.Pod("messages", big, custom, silent));

        var pod = await Server.WaitPhaseAsync("messages", "Succeeded");

        Assert.Equal(new string('x', 4096), pod.Status("main")!["state"]!["terminated"]!["message"]!.ToString());
        Assert.Equal("done", pod.Status("custom")!["state"]!["terminated"]!["message"]!.ToString());
        Assert.Null(pod.Status("silent")!["state"]!["terminated"]!["message"]);
    }

    [Fact]
    public async Task FallbackToLogsOnError_takes_the_log_tail_only_for_a_failed_container_with_an_empty_file()
    {
        var fallback = Pods.Container("fallback", "for i in $(seq 1 100); do echo line $i; done; exit 1");
        fallback["terminationMessagePolicy"] = "FallbackToLogsOnError";
        var file = Pods.Container("file", "echo a log line; exit 1");
        file["terminationMessagePolicy"] = "File";
        Server.Create(Pods.Pod("fallbacks", fallback, file));

        var pod = await Server.WaitPhaseAsync("fallbacks", "Failed");

        var tail = pod.Status("fallback")!["state"]!["terminated"]!["message"]!.ToString();
        Assert.StartsWith("line 21\n", tail, StringComparison.Ordinal); // the last 80 lines
        Assert.EndsWith("line 100", tail, StringComparison.Ordinal);
        Assert.Null(pod.Status("file")!["state"]!["terminated"]!["message"]);
    }

    [Fact]
    public async Task A_command_that_cannot_start_fails_with_StartError_and_128()
    {
        var container = new JsonObject { ["name"] = "main", ["image"] = "busybox", ["command"] = new JsonArray("/no/such/program") };
        Server.Create(Pods.Pod("nostart", container));
        var pod = await Server.WaitPhaseAsync("nostart", "Failed");
        var terminated = pod.Status("main")!["state"]!["terminated"]!;
        Assert.Equal(128, terminated["exitCode"]!.GetValue<int>());
        Assert.Equal("StartError", terminated["reason"]!.ToString());
        Assert.Contains("/no/such/program", terminated["message"]!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_image_is_ErrImagePull_with_a_clear_message()
    {
        Server.Create(Pods.Pod("unknown", Pods.Container("main", "true", image: "example.com/nope:1.0")));
        var pod = await Server.WaitPhaseAsync("unknown", "Failed");
        var waiting = pod.Status("main")!["state"]!["waiting"]!;
        Assert.Equal("ErrImagePull", waiting["reason"]!.ToString());
        Assert.Contains("image \"example.com/nope:1.0\" is not in the local cluster's image map", waiting["message"]!.ToString(), StringComparison.Ordinal);
        Assert.Contains("--images", waiting["message"]!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Env_comes_from_configmaps_secrets_and_the_downward_api()
    {
        Server.Store.Create("configmaps", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "env-cm", ["namespace"] = "default" }, ["data"] = new JsonObject { ["COLOR"] = "blue", ["SIZE"] = "9" } });
        Server.Store.Create("secrets", new JsonObject { ["kind"] = "Secret", ["metadata"] = new JsonObject { ["name"] = "env-secret", ["namespace"] = "default" }, ["data"] = new JsonObject { ["token"] = Convert.ToBase64String("s3cret"u8.ToArray()) } });
        var container = Pods.Container("main", "echo $POD_NAME $POD_NAMESPACE $NODE_NAME $POD_IP $TOKEN $CM_COLOR $SIZE $GREETING $MISSING.; pwd");
        container["workingDir"] = "/work";
        container["envFrom"] = new JsonArray(new JsonObject { ["prefix"] = "CM_", ["configMapRef"] = new JsonObject { ["name"] = "env-cm" } });
        container["env"] = new JsonArray(
            Field("POD_NAME", "metadata.name"), Field("POD_NAMESPACE", "metadata.namespace"), Field("NODE_NAME", "spec.nodeName"), Field("POD_IP", "status.podIP"),
            new JsonObject { ["name"] = "TOKEN", ["valueFrom"] = new JsonObject { ["secretKeyRef"] = new JsonObject { ["name"] = "env-secret", ["key"] = "token" } } },
            new JsonObject { ["name"] = "SIZE", ["valueFrom"] = new JsonObject { ["configMapKeyRef"] = new JsonObject { ["name"] = "env-cm", ["key"] = "SIZE" } } },
            new JsonObject { ["name"] = "MISSING", ["valueFrom"] = new JsonObject { ["configMapKeyRef"] = new JsonObject { ["name"] = "absent", ["key"] = "x", ["optional"] = true } } },
            new JsonObject { ["name"] = "GREETING", ["value"] = "hello-$(CM_COLOR)" });
        Server.Create(Pods.Pod("env", container));
        var pod = await Server.WaitPhaseAsync("env", "Succeeded");
        var lines = Server.Logs("env", "main").Split('\n');
        var node = pod["spec"]!["nodeName"]!.ToString();
        Assert.Equal($"env default {node} {pod["status"]!["podIP"]} s3cret blue 9 hello-blue .", lines[0]);
        Assert.EndsWith("/root/work", lines[1], StringComparison.Ordinal);

        static JsonObject Field(string name, string path) => new() { ["name"] = name, ["valueFrom"] = new JsonObject { ["fieldRef"] = new JsonObject { ["fieldPath"] = path } } };
    }

    [Fact]
    public async Task Volumes_are_shared_between_containers_under_SYMPOZIUM_ROOT()
    {
        Server.Store.Create("configmaps", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "vol-cm", ["namespace"] = "default" }, ["data"] = new JsonObject { ["greeting.txt"] = "from-configmap" } });
        var writer = Pods.Container("writer", "cat $SYMPOZIUM_ROOT/config/greeting.txt > $SYMPOZIUM_ROOT/ipc/shared.txt");
        writer["volumeMounts"] = new JsonArray(Mount("ipc", "/ipc"), Mount("config", "/config"));
        var reader = Pods.Container("reader", "while [ ! -s $SYMPOZIUM_ROOT/data/shared.txt ]; do sleep 0.1; done; cat $SYMPOZIUM_ROOT/data/shared.txt");
        reader["volumeMounts"] = new JsonArray(Mount("ipc", "/data"));
        var pod = Pods.Pod("volumes", writer, reader);
        pod["spec"]!["volumes"] = new JsonArray(
            new JsonObject { ["name"] = "ipc", ["emptyDir"] = new JsonObject() },
            new JsonObject { ["name"] = "config", ["configMap"] = new JsonObject { ["name"] = "vol-cm" } });
        Server.Create(pod);
        await Server.WaitPhaseAsync("volumes", "Succeeded");
        Assert.Equal("from-configmap\n", Server.Logs("volumes", "reader"));

        static JsonObject Mount(string name, string path) => new() { ["name"] = name, ["mountPath"] = path };
    }

    [Fact]
    public async Task Init_containers_run_in_order_and_a_native_sidecar_is_stopped_after_the_main_container()
    {
        var pod = Pods.Pod("init", Pods.Container("main", "sleep 0.3; echo main >> $SYMPOZIUM_ROOT/shared/order"));
        pod["spec"]!["containers"]![0]!["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "shared", ["mountPath"] = "/shared" });
        var first = Pods.Container("first", "echo first >> $SYMPOZIUM_ROOT/shared/order");
        var sidecar = Pods.Container("sidecar", "echo sidecar >> $SYMPOZIUM_ROOT/shared/order; touch $SYMPOZIUM_ROOT/shared/up; trap 'exit 0' TERM; while true; do sleep 0.1; done");
        sidecar["restartPolicy"] = "Always";
        sidecar["startupProbe"] = new JsonObject { ["exec"] = new JsonObject { ["command"] = new JsonArray("sh", "-c", "test -f $SYMPOZIUM_ROOT/shared/up") }, ["periodSeconds"] = 1 };
        var second = Pods.Container("second", "echo second >> $SYMPOZIUM_ROOT/shared/order");
        foreach (var c in new[] { first, sidecar, second })
        {
            c["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "shared", ["mountPath"] = "/shared" });
        }

        pod["spec"]!["initContainers"] = new JsonArray(first, sidecar, second);
        pod["spec"]!["volumes"] = new JsonArray(new JsonObject { ["name"] = "shared", ["emptyDir"] = new JsonObject() });
        Server.Create(pod);
        var running = await Server.WaitAsync("init", p => p.Status("main")?["state"]?["running"] is not null);
        Assert.NotNull(running.Status("sidecar", init: true)!["state"]!["running"]);
        var done = await Server.WaitPhaseAsync("init", "Succeeded");
        Assert.NotNull(done.Status("sidecar", init: true)!["state"]!["terminated"]);
        var order = File.ReadAllLines(Path.Combine(Server.Options.Directory, "pods", $"default_init_{done["metadata"]!["uid"]}", "volumes", "shared", "order"));
        Assert.Equal(["first", "sidecar", "second", "main"], order);
    }

    [Fact]
    public async Task RestartPolicy_OnFailure_restarts_until_success()
    {
        var pod = Pods.Pod("retry", Pods.Container("main", "n=$(cat $SYMPOZIUM_ROOT/d/n 2>/dev/null || echo 0); echo $((n+1)) > $SYMPOZIUM_ROOT/d/n; [ $n -ge 2 ]"));
        pod["spec"]!["restartPolicy"] = "OnFailure";
        pod["spec"]!["containers"]![0]!["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "d", ["mountPath"] = "/d" });
        pod["spec"]!["volumes"] = new JsonArray(new JsonObject { ["name"] = "d", ["emptyDir"] = new JsonObject() });
        Server.Create(pod);
        var done = await Server.WaitPhaseAsync("retry", "Succeeded");
        var status = done.Status("main")!;
        Assert.Equal(2, status["restartCount"]!.GetValue<int>());
        Assert.Equal(1, status["lastState"]!["terminated"]!["exitCode"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_readiness_probe_flips_Ready()
    {
        var container = Pods.Container("main", "sleep 1; touch $SYMPOZIUM_ROOT/tmp/ready; sleep 30");
        container["readinessProbe"] = new JsonObject
        {
            ["exec"] = new JsonObject { ["command"] = new JsonArray("sh", "-c", "test -f $SYMPOZIUM_ROOT/tmp/ready") },
            ["periodSeconds"] = 1,
            ["failureThreshold"] = 1,
        };
        Server.Create(Pods.Pod("probe", container));
        var running = await Server.WaitAsync("probe", p => p.Status("main")?["state"]?["running"] is not null);
        Assert.False(running.Status("main")!["ready"]!.GetValue<bool>());
        var ready = await Server.WaitAsync("probe", p => p.Status("main")?["ready"]?.GetValue<bool>() == true);
        Assert.Contains(ready["status"]!["conditions"]!.AsArray(), c => c!["type"]!.ToString() == "Ready" && c["status"]!.ToString() == "True");
        Server.Store.Delete("pods", "default", "probe");
    }

    [Fact]
    public async Task NodeSelector_picks_the_labelled_node_and_an_impossible_one_stays_Pending()
    {
        var gpu = Pods.Pod("gpu", Pods.Container("main", "true"));
        gpu["spec"]!["nodeSelector"] = new JsonObject { ["gpu"] = "true" };
        Server.Create(gpu);
        var affinity = Pods.Pod("affinity", Pods.Container("main", "true"));
        affinity["spec"]!["affinity"] = JsonNode.Parse("""
            {"nodeAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"gpu","operator":"DoesNotExist"}]}]}}}
            """);
        Server.Create(affinity);
        var nowhere = Pods.Pod("nowhere", Pods.Container("main", "true"));
        nowhere["spec"]!["nodeSelector"] = new JsonObject { ["gpu"] = "false" };
        Server.Create(nowhere);

        Assert.Equal("gpu-node", (await Server.WaitPhaseAsync("gpu", "Succeeded"))["spec"]!["nodeName"]!.ToString());
        Assert.Equal("local-node", (await Server.WaitPhaseAsync("affinity", "Succeeded"))["spec"]!["nodeName"]!.ToString());
        var pending = await Server.WaitAsync("nowhere", p => p["status"]?["conditions"] is JsonArray { Count: > 0 });
        var condition = pending["status"]!["conditions"]![0]!;
        Assert.Equal("Pending", pending["status"]!["phase"]!.ToString());
        Assert.Equal("PodScheduled", condition["type"]!.ToString());
        Assert.Equal("False", condition["status"]!.ToString());
        Assert.Equal("Unschedulable", condition["reason"]!.ToString());
        Assert.Contains("gpu=false", condition["message"]!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_a_pod_kills_its_process_group_within_the_grace_period()
    {
        var pod = Pods.Pod("victim", Pods.Container("main", "trap '' TERM; sleep 300 & echo $! > $SYMPOZIUM_ROOT/tmp/child; wait"));
        pod["spec"]!["terminationGracePeriodSeconds"] = 1;
        Server.Create(pod);
        var running = await Server.WaitAsync("victim", p => p.Status("main")?["state"]?["running"] is not null);
        var pid = int.Parse(running.Status("main")!["containerID"]!.ToString()["local://".Length..], System.Globalization.CultureInfo.InvariantCulture);
        var childFile = Path.Combine(Server.Options.Directory, "pods", $"default_victim_{running["metadata"]!["uid"]}", "containers", "main", "root", "tmp", "child");
        var wait = Stopwatch.StartNew();
        while (!File.Exists(childFile) || new FileInfo(childFile).Length == 0)
        {
            await Task.Delay(50);
        }

        var child = int.Parse(File.ReadAllText(childFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(Pods.ProcessExists(pid) && Pods.ProcessExists(child));
        Server.Store.Delete("pods", "default", "victim");
        wait.Restart();
        while ((Pods.ProcessExists(pid) || Pods.ProcessExists(child)) && wait.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(100);
        }

        Assert.False(Pods.ProcessExists(pid), "the container's process survived its pod");
        Assert.False(Pods.ProcessExists(child), "a child of the container survived its pod");
    }
}
