using System.Runtime.InteropServices;
using Sympozium.Demo;
using Sympozium.Kubernetes.Client;

// sympozium-demo, the program behind `make demo` (scripts/demo.sh runs each step):
//   images FILE                          write the local cluster's image map
//   ollama-model                         print the first model of a local Ollama; exit 1 when none answers
//   serve-llm [--port N]                 the scripted stand-in LLM (OpenAI wire format) until SIGTERM
//   run --kubeconfig FILE --provider scripted|ollama --model M --base-url URL
//                                        install the control plane, create the demo instance, send one
//                                        message as an AgentRun and print the agent's reply
const string Usage = "usage: sympozium-demo images FILE | ollama-model | serve-llm [--port N] | run --kubeconfig FILE --provider scripted|ollama --model M --base-url URL";

if (args.Length == 0)
{
    await Console.Error.WriteLineAsync(Usage).ConfigureAwait(false);
    return 2;
}

var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 1; i < args.Length; i++)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
    {
        if (args[0] == "images" && i == 1)
        {
            options["file"] = args[i];
            continue;
        }

        await Console.Error.WriteLineAsync($"error: unexpected argument '{args[i]}' ({Usage})").ConfigureAwait(false);
        return 2;
    }

    options[args[i][2..]] = args[++i];
}

string Required(string name) => options.TryGetValue(name, out var value) ? value : throw new ArgumentException($"{args[0]} needs --{name} ({Usage})");

using var stop = new CancellationTokenSource();
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });

try
{
    switch (args[0])
    {
        case "images":
            await DemoImages.WriteAsync(options.TryGetValue("file", out var file) ? file : throw new ArgumentException($"images needs FILE ({Usage})")).ConfigureAwait(false);
            return 0;
        case "ollama-model":
            var model = await OllamaProbe.FirstModelAsync(stop.Token).ConfigureAwait(false);
            if (model is null)
            {
                return 1;
            }

            Console.WriteLine(model);
            return 0;
        case "serve-llm":
            await ScriptedResponder.RunAsync(options.TryGetValue("port", out var port) ? int.Parse(port, System.Globalization.CultureInfo.InvariantCulture) : 0, stop.Token).ConfigureAwait(false);
            return 0;
        case "run":
            var demo = new DemoRunOptions
            {
                RepoRoot = DemoImages.RepoRoot,
                Provider = Required("provider"),
                Model = Required("model"),
                BaseUrl = Required("base-url"),
            };
            using (var connection = KubernetesConnection.FromKubeconfig(Required("kubeconfig")))
            {
                return await new DemoRun(connection, demo).RunAsync(stop.Token).ConfigureAwait(false);
            }

        default:
            await Console.Error.WriteLineAsync($"error: unknown command '{args[0]}' ({Usage})").ConfigureAwait(false);
            return 2;
    }
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
    return 2;
}
catch (Exception e) when (e is InvalidOperationException or HttpRequestException or IOException or TimeoutException)
{
    await Console.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
    return 1;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    return 0;
}
