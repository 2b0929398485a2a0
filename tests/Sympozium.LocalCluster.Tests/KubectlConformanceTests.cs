using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Sympozium.LocalCluster.Tests;

/// <summary>A local cluster on which `kubectl apply -f crds/` has run.</summary>
public sealed class KubectlClusterFixture : IAsyncLifetime
{
    private LocalClusterServer? _server;

    public LocalClusterServer Server => _server!;

    public string Kubeconfig => Server.KubeconfigPath;

    public (int ExitCode, string Stdout, string Stderr) ApplyCrds { get; private set; }

    public async Task InitializeAsync()
    {
        _server = await LocalClusterFixture.StartAsync(LocalClusterFixture.NewDirectory());
        if (Kubectl.Path is not null)
        {
            ApplyCrds = await Kubectl.RunAsync(Kubeconfig, null, "apply", "-f", "crds/");
        }
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
            LocalClusterFixture.TryDelete(_server.Options.Directory);
        }
    }
}

/// <summary>The real kubectl (1.32) against the local cluster: what
/// docs/design/local-cluster.md#kubectl-conformance calls its conformance test.</summary>
public sealed class KubectlConformanceTests(KubectlClusterFixture cluster) : IClassFixture<KubectlClusterFixture>
{
    private const string AgentRunYaml = """
        apiVersion: sympozium.ai/v1alpha1
        kind: AgentRun
        metadata:
          name: NAME
          labels: {sympozium.ai/instance: alice}
        spec:
          instanceRef: alice
          agentId: primary
          sessionKey: s1
          task: say hi
          model: {provider: ollama, model: llama3.2, authSecretRef: ""}
        """;

    private Task<(int ExitCode, string Stdout, string Stderr)> Run(params string[] args) => Kubectl.RunAsync(cluster.Kubeconfig, null, args);

    private Task<(int ExitCode, string Stdout, string Stderr)> Apply(string yaml) => Kubectl.RunAsync(cluster.Kubeconfig, yaml, "apply", "-f", "-");

    private static void Ok((int ExitCode, string Stdout, string Stderr) result) =>
        Assert.True(result.ExitCode == 0, $"kubectl failed ({result.ExitCode}): {result.Stderr}{result.Stdout}");

    [KubectlFact]
    public async Task Apply_of_the_crds_folder_creates_every_CRD_and_serves_its_kind()
    {
        Ok(cluster.ApplyCrds);
        Assert.Equal(8, cluster.ApplyCrds.Stdout.Split('\n').Count(l => l.EndsWith(" created", StringComparison.Ordinal)));
        var resources = await Run("api-resources", "--api-group=sympozium.ai", "-o", "name");
        Ok(resources);
        Assert.Contains("agentruns.sympozium.ai", resources.Stdout, StringComparison.Ordinal);
        Ok(await Run("wait", "--for=condition=established", "crd/agentruns.sympozium.ai", "--timeout=10s"));
    }

    [KubectlFact]
    public async Task Apply_of_a_custom_resource_and_a_ConfigMap_then_get_as_yaml_and_json()
    {
        var applied = await Apply(AgentRunYaml.Replace("NAME", "k-get", StringComparison.Ordinal) + "\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: k-cm}\ndata: {a: b}\n");
        Ok(applied);
        Assert.Contains("agentrun.sympozium.ai/k-get created", applied.Stdout, StringComparison.Ordinal);
        Assert.Contains("configmap/k-cm created", applied.Stdout, StringComparison.Ordinal);

        var yaml = await Run("get", "agentrun", "k-get", "-o", "yaml");
        Ok(yaml);
        Assert.Contains("task: say hi", yaml.Stdout, StringComparison.Ordinal);
        var json = await Run("get", "configmap", "k-cm", "-o", "json");
        Ok(json);
        Assert.Equal("b", JsonNode.Parse(json.Stdout)!["data"]!["a"]!.GetValue<string>());

        var again = await Apply(AgentRunYaml.Replace("NAME", "k-get", StringComparison.Ordinal));
        Ok(again);
        Assert.Contains("unchanged", again.Stdout, StringComparison.Ordinal);
    }

    [KubectlFact]
    public async Task Get_prints_the_CRD_printer_columns_as_a_table()
    {
        Ok(await Apply(AgentRunYaml.Replace("NAME", "k-table", StringComparison.Ordinal)));
        Ok(await Run("patch", "agentrun", "k-table", "--subresource=status", "--type=merge", "-p", """{"status":{"phase":"Running"}}"""));

        var table = await Run("get", "agentruns");

        Ok(table);
        var lines = table.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME\s+INSTANCE\s+PHASE\s+POD\s+AGE$", lines[0]);
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^k-table\s+alice\s+Running\s+\d+s$"));

        var pods = await Run("get", "pods", "-A");
        Ok(pods);
        var nodes = await Run("get", "nodes");
        Ok(nodes);
        Assert.Contains("local-node", nodes.Stdout, StringComparison.Ordinal);
    }

    [KubectlFact]
    public async Task Get_watch_sees_a_later_change()
    {
        Ok(await Apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: k-watch}\ndata: {k: first}\n"));
        using var watch = Process.Start(Kubectl.StartInfo(cluster.Kubeconfig, ["get", "configmap", "k-watch", "-w", "-o", "jsonpath={.data.k}{\"\\n\"}"]))!;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            Assert.Equal("first", await watch.StandardOutput.ReadLineAsync(timeout.Token));
            Ok(await Run("patch", "configmap", "k-watch", "--type=merge", "-p", """{"data":{"k":"second"}}"""));
            Assert.Equal("second", await watch.StandardOutput.ReadLineAsync(timeout.Token));
        }
        finally
        {
            watch.Kill();
            await watch.WaitForExitAsync();
        }
    }

    [KubectlFact]
    public async Task Describe_and_explain_work_on_a_custom_resource()
    {
        Ok(await Apply(AgentRunYaml.Replace("NAME", "k-describe", StringComparison.Ordinal)));

        var describe = await Run("describe", "agentrun", "k-describe");
        Ok(describe);
        Assert.Contains("Name:         k-describe", describe.Stdout, StringComparison.Ordinal);
        Assert.Contains("sympozium.ai/instance=alice", describe.Stdout, StringComparison.Ordinal);

        var explain = await Run("explain", "agentrun.spec");
        Ok(explain);
        Assert.Contains("KIND:       AgentRun", explain.Stdout, StringComparison.Ordinal);
        Assert.Contains("instanceRef", explain.Stdout, StringComparison.Ordinal);
    }

    [KubectlFact]
    public async Task Patch_merge_json_and_strategic_and_label_and_annotate()
    {
        Ok(await Apply(AgentRunYaml.Replace("NAME", "k-patch", StringComparison.Ordinal)));
        Ok(await Run("patch", "agentrun", "k-patch", "--type=merge", "-p", """{"spec":{"task":"merged"}}"""));
        Ok(await Run("patch", "agentrun", "k-patch", "--type=json", "-p", """[{"op":"replace","path":"/spec/agentId","value":"second"}]"""));
        var strategicOnCrd = await Run("patch", "agentrun", "k-patch", "--type=strategic", "-p", """{"spec":{"task":"x"}}""");
        Assert.NotEqual(0, strategicOnCrd.ExitCode); // as on a real cluster: 415 for custom resources
        Ok(await Run("label", "agentrun", "k-patch", "team=a"));
        Ok(await Run("annotate", "agentrun", "k-patch", "note=hello"));
        var run = JsonNode.Parse((await Run("get", "agentrun", "k-patch", "-o", "json")).Stdout)!;
        Assert.Equal("merged", run["spec"]!["task"]!.GetValue<string>());
        Assert.Equal("second", run["spec"]!["agentId"]!.GetValue<string>());
        Assert.Equal("a", run["metadata"]!["labels"]!["team"]!.GetValue<string>());
        Assert.Equal("hello", run["metadata"]!["annotations"]!["note"]!.GetValue<string>());
        Assert.Equal(3, run["metadata"]!["generation"]!.GetValue<long>());

        Ok(await Apply("apiVersion: v1\nkind: Pod\nmetadata: {name: k-pod}\nspec:\n  containers:\n  - name: main\n    image: busybox\n    env: [{name: A, value: '1'}]\n"));
        Ok(await Run("patch", "pod", "k-pod", "--type=strategic", "-p", """{"spec":{"containers":[{"name":"main","env":[{"name":"B","value":"2"}]}]}}"""));
        var env = JsonNode.Parse((await Run("get", "pod", "k-pod", "-o", "jsonpath={.spec.containers[0].env}")).Stdout)!.AsArray();
        Assert.Equal(["A", "B"], env.Select(e => e!["name"]!.GetValue<string>()).ToArray());
    }

    [KubectlFact]
    public async Task Delete_with_a_finalizer_waits_for_its_removal()
    {
        Ok(await Apply(AgentRunYaml.Replace("NAME", "k-final", StringComparison.Ordinal).Replace("  labels:", "  finalizers: [sympozium.ai/agentrun-finalizer]\n  labels:", StringComparison.Ordinal)));
        Ok(await Run("delete", "agentrun", "k-final", "--wait=false"));
        var marked = await Run("get", "agentrun", "k-final", "-o", "jsonpath={.metadata.deletionTimestamp}");
        Ok(marked);
        Assert.NotEmpty(marked.Stdout);

        Ok(await Run("patch", "agentrun", "k-final", "--type=merge", "-p", """{"metadata":{"finalizers":null}}"""));
        var gone = await Run("get", "agentrun", "k-final");
        Assert.NotEqual(0, gone.ExitCode);
        Assert.Contains("NotFound", gone.Stderr, StringComparison.Ordinal);
    }

    [KubectlFact]
    public async Task Apply_with_an_unknown_field_fails_with_strict_validation_and_invalid_values_with_422()
    {
        var unknown = await Apply(AgentRunYaml.Replace("NAME", "k-strict", StringComparison.Ordinal).Replace("  task: say hi", "  task: say hi\n  bogus: 1", StringComparison.Ordinal));
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("unknown field \"spec.bogus\"", unknown.Stderr, StringComparison.Ordinal);

        var invalid = await Apply(AgentRunYaml.Replace("NAME", "k-invalid", StringComparison.Ordinal).Replace("provider: ollama", "provider: olama", StringComparison.Ordinal));
        Assert.NotEqual(0, invalid.ExitCode);
        Assert.Contains("spec.model.provider", invalid.Stderr, StringComparison.Ordinal);
    }
}
