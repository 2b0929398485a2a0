using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Sympozium.Api.Kinds;
using Sympozium.Install;
using Sympozium.Kubernetes.Client;

namespace Sympozium.Demo;

/// <summary>
/// The demo against a running local cluster: installs the control plane as an install does
/// (crds/ and deploy/control-plane/ with the local cluster profile; applying again replaces the
/// objects, so a second demo reuses the running system), waits until NATS, the controller and the
/// webhook are ready, creates the demo namespace and SympoziumInstance, then sends one message
/// through the HTTP path: an AgentRun created through the Kubernetes API, which the webhook admits
/// and the controller runs as a Job. Prints the agent's reply from the run's status.
/// </summary>
internal sealed class DemoRun(KubernetesConnection connection, DemoRunOptions options)
{
    private const string SystemNamespace = "sympozium-system";
    private static readonly string[] Deployments = ["nats", "sympozium-controller", "sympozium-webhook"];

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        using var install = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        install.CancelAfter(options.InstallTimeout);
        try
        {
            await InstallAsync(install.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Console.WriteLine($"error: the control plane did not become ready within {options.InstallTimeout.TotalSeconds:0} s ({e.Message})");
            Console.WriteLine(await DescribePodsAsync(SystemNamespace).ConfigureAwait(false));
            return 1;
        }

        var applier = new ManifestApplier(connection);
        await applier.ApplyAsync(new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Namespace",
            ["metadata"] = new JsonObject { ["name"] = options.Namespace },
        }, cancellationToken).ConfigureAwait(false);
        // Right after the webhook reports its CA, the API server may not reach it yet: retry a while.
        await RetryWhileWebhookStartsAsync(() => applier.ApplyAsync(Instance(), cancellationToken), cancellationToken).ConfigureAwait(false);
        Step($"SympoziumInstance {options.Namespace}/{options.Instance} applied (model {options.Model} at {options.BaseUrl})");

        var name = "hello-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var (status, body) = await SendAsync(HttpMethod.Post, $"/apis/sympozium.ai/v1alpha1/namespaces/{options.Namespace}/agentruns", Run(name), cancellationToken).ConfigureAwait(false);
        if (status != HttpStatusCode.Created)
        {
            Console.WriteLine($"error: creating AgentRun {options.Namespace}/{name}: {(int)status} {body}");
            return 1;
        }

        Step($"message sent over HTTP: POST /apis/sympozium.ai/v1alpha1/namespaces/{options.Namespace}/agentruns (AgentRun {name})");
        Console.WriteLine($"    you: {options.Message}");
        var run = await WaitForRunAsync(name, cancellationToken).ConfigureAwait(false);
        var phase = run?["status"]?["phase"]?.ToString();
        if (phase != AgentRunPhases.Succeeded)
        {
            Console.WriteLine($"error: AgentRun {options.Namespace}/{name} ended {phase ?? "without a phase"}: {run?["status"]?.ToJsonString()}");
            Console.WriteLine(await DescribePodsAsync(options.Namespace).ConfigureAwait(false));
            Console.WriteLine(await DescribePodsAsync(SystemNamespace).ConfigureAwait(false));
            return 1;
        }

        Console.WriteLine();
        Console.WriteLine($"agent reply ({(options.Provider == "ollama" ? $"Ollama model {options.Model}" : "scripted LLM, no model was called")}):");
        Console.WriteLine("    " + (run?["status"]?["result"]?.ToString() ?? "").Trim().Replace("\n", "\n    ", StringComparison.Ordinal));
        return 0;
    }

    private async Task InstallAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var profile = new LocalClusterProfile(connection) { EndpointTimeout = options.InstallTimeout };
        var applier = new ManifestApplier(connection);
        var documents = await ControlPlaneManifests.LoadAsync(options.RepoRoot, connection, cancellationToken).ConfigureAwait(false);
        Step($"installing the control plane: {documents.Count} objects from crds/ and deploy/control-plane/");
        foreach (var document in documents)
        {
            await applier.ApplyAsync(await profile.RewriteAsync(document, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }

        foreach (var name in Deployments)
        {
            await WaitAsync(async () => await GetAsync($"/apis/apps/v1/namespaces/{SystemNamespace}/deployments/{name}", cancellationToken).ConfigureAwait(false) is { } d
                && d["status"]?["readyReplicas"]?.GetValue<long>() >= d["spec"]?["replicas"]?.GetValue<long>(), cancellationToken).ConfigureAwait(false);
            Step($"deployment {SystemNamespace}/{name} ready ({clock.Elapsed.TotalSeconds:0} s)");
        }

        foreach (var path in new[] { "validatingwebhookconfigurations/sympozium-webhook", "mutatingwebhookconfigurations/sympozium-mutating-webhook" })
        {
            await WaitAsync(async () => (await GetAsync("/apis/admissionregistration.k8s.io/v1/" + path, cancellationToken).ConfigureAwait(false))?["webhooks"]?[0]?["clientConfig"]?["caBundle"] is not null, cancellationToken).ConfigureAwait(false);
        }

        Step($"admission webhook serving with its CA ({clock.Elapsed.TotalSeconds:0} s)");
    }

    private JsonObject Instance() => new()
    {
        ["apiVersion"] = "sympozium.ai/v1alpha1",
        ["kind"] = "SympoziumInstance",
        ["metadata"] = new JsonObject { ["name"] = options.Instance, ["namespace"] = options.Namespace },
        ["spec"] = new JsonObject
        {
            ["agents"] = new JsonObject { ["default"] = new JsonObject { ["model"] = options.Model, ["baseURL"] = options.BaseUrl } },
        },
    };

    private JsonObject Run(string name) => new()
    {
        ["apiVersion"] = "sympozium.ai/v1alpha1",
        ["kind"] = "AgentRun",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = options.Namespace },
        ["spec"] = new JsonObject
        {
            ["instanceRef"] = options.Instance,
            ["agentId"] = "default",
            ["sessionKey"] = "",
            ["task"] = options.Message,
            ["model"] = new JsonObject
            {
                ["provider"] = options.Provider == "ollama" ? "ollama" : "openai-compatible",
                ["model"] = options.Model,
                ["baseURL"] = options.BaseUrl,
                ["authSecretRef"] = "",
            },
        },
    };

    /// <summary>The run once Succeeded or Failed (null on timeout), printing each phase it passes.</summary>
    private async Task<JsonObject?> WaitForRunAsync(string name, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        string? seen = null;
        JsonObject? run = null;
        while (clock.Elapsed < options.RunTimeout)
        {
            run = await GetAsync($"/apis/sympozium.ai/v1alpha1/namespaces/{options.Namespace}/agentruns/{name}", cancellationToken).ConfigureAwait(false) ?? run;
            var phase = run?["status"]?["phase"]?.ToString() ?? "(new)";
            if (phase != seen)
            {
                Step($"AgentRun {name}: {phase} ({clock.Elapsed.TotalSeconds:0} s)");
                seen = phase;
            }

            if (AgentRunPhases.IsTerminal(phase))
            {
                return run;
            }

            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }

        Console.WriteLine($"error: AgentRun {options.Namespace}/{name} did not finish within {options.RunTimeout.TotalSeconds:0} s");
        return run;
    }

    private static async Task RetryWhileWebhookStartsAsync(Func<Task> apply, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await apply().ConfigureAwait(false);
                return;
            }
            catch (InvalidOperationException e) when (e.Message.Contains("failed calling webhook", StringComparison.Ordinal) && clock.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(1000, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static void Step(string text) => Console.WriteLine("    " + text);

    private static async Task WaitAsync(Func<Task<bool>> done, CancellationToken cancellationToken)
    {
        while (!await done().ConfigureAwait(false))
        {
            await Task.Delay(250, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Every pod of a namespace: phase, container states and the tail of each container's log.</summary>
    private async Task<string> DescribePodsAsync(string ns)
    {
        var text = new StringBuilder($"pods in {ns}:\n");
        try
        {
            foreach (var pod in ((await GetAsync($"/api/v1/namespaces/{ns}/pods", CancellationToken.None).ConfigureAwait(false))?["items"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var name = pod["metadata"]?["name"]?.ToString();
                text.Append(CultureInfo.InvariantCulture, $"- {name} {pod["status"]?["phase"]} ip={pod["status"]?["podIP"]}\n");
                foreach (var status in (pod["status"]?["containerStatuses"] as JsonArray ?? []).OfType<JsonObject>())
                {
                    text.Append(CultureInfo.InvariantCulture, $"  {status["name"]}: ready={status["ready"]} restarts={status["restartCount"]} state={status["state"]?.ToJsonString()}\n");
                    var (_, log) = await SendAsync(HttpMethod.Get, $"/api/v1/namespaces/{ns}/pods/{name}/log?container={status["name"]}&tailLines=30", null, CancellationToken.None).ConfigureAwait(false);
                    text.Append("    ").Append(log.Replace("\n", "\n    ", StringComparison.Ordinal)).Append('\n');
                }
            }
        }
        catch (HttpRequestException e)
        {
            text.Append("(could not read pods: ").Append(e.Message).Append(")\n");
        }

        return text.ToString();
    }

    private async Task<JsonObject?> GetAsync(string path, CancellationToken cancellationToken)
    {
        var (status, body) = await SendAsync(HttpMethod.Get, path, null, cancellationToken).ConfigureAwait(false);
        return status == HttpStatusCode.OK ? JsonNode.Parse(body) as JsonObject : null;
    }

    private async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await connection.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
    }
}
