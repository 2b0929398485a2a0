using System.Text.Json.Nodes;
using Sympozium.LocalCluster.Kubelet;

namespace Sympozium.LocalCluster.Tests;

/// <summary>
/// What a pod gets from its ServiceAccount: token, ca.crt and namespace under
/// $SYMPOZIUM_ROOT/var/run/secrets/kubernetes.io/serviceaccount, KUBERNETES_SERVICE_* pointing
/// at the local API server, projected token files; and what it does not get.
/// </summary>
public sealed class ServiceAccountMountTests(KubeletFixture cluster) : IClassFixture<KubeletFixture>
{
    private const string Mounted = "$SYMPOZIUM_ROOT/var/run/secrets/kubernetes.io/serviceaccount";

    private LocalClusterServer Server => cluster.Server;

    [Fact]
    public async Task A_pod_sees_its_service_account_files_and_the_api_server_address()
    {
        using var http = LocalClusterFixture.CreateHttpClient(Server);
        var (code, _) = await http.PostAsync("api/v1/namespaces/default/pods", Pods.Pod("sa-files",
            Pods.Container("main", $"cat {Mounted}/namespace; echo; echo $KUBERNETES_SERVICE_HOST $KUBERNETES_SERVICE_PORT $KUBERNETES_SERVICE_PORT_HTTPS")));
        Assert.Equal(201, code);
        var pod = await Server.WaitPhaseAsync("sa-files", "Succeeded");

        var log = await http.GetStringAsync("api/v1/namespaces/default/pods/sa-files/log");
        Assert.Equal($"default\n127.0.0.1 {Server.Port} {Server.Port}\n", log);

        var files = Path.Combine(ContainerRoot(pod, "main"), "var/run/secrets/kubernetes.io/serviceaccount");
        Assert.Equal(Server.CaPem, await File.ReadAllTextAsync(Path.Combine(files, "ca.crt")));
        if (!OperatingSystem.IsWindows()) // the kubelet runs on Linux; the guard is for the analyzer
        {
            Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(Path.Combine(files, "token")));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(Path.Combine(files, "ca.crt")));
        }

        // The token is the pod's: it names the pod, and goes when the pod goes.
        var token = await File.ReadAllTextAsync(Path.Combine(files, "token"));
        using var asPod = LocalClusterFixture.CreateHttpClient(Server, token);
        var (reviewed, review) = await asPod.PostAsync("apis/authentication.k8s.io/v1/selfsubjectreviews", new JsonObject { ["kind"] = "SelfSubjectReview", ["apiVersion"] = "authentication.k8s.io/v1" });
        Assert.Equal(201, reviewed);
        Assert.Equal("system:serviceaccount:default:default", review["status"]!["userInfo"]!["username"]!.GetValue<string>());
        Assert.Equal("sa-files", review["status"]!["userInfo"]!["extra"]!["authentication.kubernetes.io/pod-name"]![0]!.GetValue<string>());

        await http.SendAsync(HttpMethod.Delete, "api/v1/namespaces/default/pods/sa-files", new JsonObject { ["gracePeriodSeconds"] = 0 });
        await WaitGoneAsync("sa-files");
        var (afterDelete, _) = await asPod.GetJsonAsync("api/v1/namespaces");
        Assert.Equal(401, afterDelete);
    }

    [Fact]
    public async Task AutomountServiceAccountToken_false_on_the_pod_or_its_account_leaves_no_files()
    {
        Server.Store.Create("serviceaccounts", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "quiet", ["namespace"] = "default" },
            ["automountServiceAccountToken"] = false,
        });
        var script = $"test -e {Mounted}/token && echo mounted || echo absent; echo $KUBERNETES_SERVICE_HOST";
        var podOff = Pods.Pod("automount-off", Pods.Container("main", script));
        podOff["spec"]!["automountServiceAccountToken"] = false;
        var accountOff = Pods.Pod("account-off", Pods.Container("main", script));
        accountOff["spec"]!["serviceAccountName"] = "quiet";
        var podOverrides = Pods.Pod("pod-overrides", Pods.Container("main", script));
        podOverrides["spec"]!["serviceAccountName"] = "quiet";
        podOverrides["spec"]!["automountServiceAccountToken"] = true;
        Server.Create(podOff);
        Server.Create(accountOff);
        Server.Create(podOverrides);

        await Server.WaitPhaseAsync("automount-off", "Succeeded");
        await Server.WaitPhaseAsync("account-off", "Succeeded");
        await Server.WaitPhaseAsync("pod-overrides", "Succeeded");

        Assert.Equal("absent\n127.0.0.1\n", Server.Logs("automount-off", "main"));
        Assert.Equal("absent\n127.0.0.1\n", Server.Logs("account-off", "main"));
        Assert.Equal("mounted\n127.0.0.1\n", Server.Logs("pod-overrides", "main"));
    }

    [Fact]
    public async Task A_pod_of_a_missing_service_account_waits_naming_it_until_the_account_exists()
    {
        // As a controller writes it (the API would refuse it): straight into the store.
        var pod = Pods.Pod("needs-ghost", Pods.Container("main", "echo ran"));
        pod["spec"]!["serviceAccountName"] = "ghost";
        Server.Create(pod);

        var waiting = await Server.WaitAsync("needs-ghost", p => p.Status("main")?["state"]?["waiting"]?["reason"]?.ToString() == "CreateContainerConfigError");
        Assert.Equal("Pending", waiting["status"]!["phase"]!.GetValue<string>());
        Assert.Equal("error looking up service account default/ghost: serviceaccount \"ghost\" not found", waiting.Status("main")!["state"]!["waiting"]!["message"]!.GetValue<string>());

        Server.Store.Create("serviceaccounts", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "ghost", ["namespace"] = "default" } });
        await Server.WaitPhaseAsync("needs-ghost", "Succeeded");
        Assert.Equal("ran\n", Server.Logs("needs-ghost", "main"));
    }

    [Fact]
    public async Task A_projected_serviceAccountToken_source_becomes_a_token_file_for_its_audience()
    {
        var container = Pods.Container("main", "cat $SYMPOZIUM_ROOT/var/run/tokens/api; echo; cat $SYMPOZIUM_ROOT/var/run/tokens/vault");
        container["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = "tokens", ["mountPath"] = "/var/run/tokens" });
        var pod = Pods.Pod("projected-token", container);
        pod["spec"]!["automountServiceAccountToken"] = false;
        pod["spec"]!["volumes"] = new JsonArray(new JsonObject
        {
            ["name"] = "tokens",
            ["projected"] = new JsonObject
            {
                ["sources"] = new JsonArray(
                    new JsonObject { ["serviceAccountToken"] = new JsonObject { ["path"] = "api", ["expirationSeconds"] = 3600 } },
                    new JsonObject { ["serviceAccountToken"] = new JsonObject { ["path"] = "vault", ["audience"] = "vault" } }),
            },
        });
        Server.Create(pod);
        await Server.WaitPhaseAsync("projected-token", "Succeeded");

        var lines = Server.Logs("projected-token", "main").Split('\n');
        using var api = LocalClusterFixture.CreateHttpClient(Server, lines[0]);
        using var vault = LocalClusterFixture.CreateHttpClient(Server, lines[1]);
        Assert.NotEqual(lines[0], lines[1]);
        Assert.Equal(200, (await api.GetJsonAsync("api/v1/namespaces")).Code);
        Assert.Equal(401, (await vault.GetJsonAsync("api/v1/namespaces")).Code); // issued for another audience than the API server's
    }

    private string ContainerRoot(JsonObject pod, string container) =>
        Path.Combine(ContainerLogs.PodDirectory(Server.Options.Directory, "default", pod["metadata"]!["name"]!.ToString(), pod["metadata"]!["uid"]!.ToString()),
            "containers", container, "root");

    private async Task WaitGoneAsync(string name)
    {
        for (var i = 0; i < 400 && Server.Store.TryGet("pods", "default", name) is not null; i++)
        {
            await Task.Delay(50);
        }

        Assert.Null(Server.Store.TryGet("pods", "default", name));
    }
}
