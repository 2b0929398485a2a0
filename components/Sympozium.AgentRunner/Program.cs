using System.Collections;
using Sympozium.AgentRunner;

var env = new Dictionary<string, string?>(StringComparer.Ordinal);
foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
{
    env[(string)entry.Key] = entry.Value as string;
}

using var shutdown = new CancellationTokenSource();
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
{
    // Kubernetes is stopping the pod (deadline or deletion): end the run and report it.
    context.Cancel = true;
    shutdown.Cancel();
});

return await AgentRunnerApp.RunAsync(RunnerOptions.FromEnvironment(env), Console.Out, Console.Error, handler: null, shutdown.Token);
