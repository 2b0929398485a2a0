using System.Runtime.InteropServices;
using Sympozium.EventBus;
using Sympozium.Hosting;
using Sympozium.IpcBridge;

// The ipc-bridge sidecar (docs/design/ipc-protocol.md): /ipc files <-> NATS for one agent run.
// No generic host: the bridge is one long-running task with a SIGTERM handler, and
// Microsoft.Extensions.Hosting cost it about a third of its binary, tens of milliseconds before
// it could start and an idle logging thread (docs/design/edge-startup.md).
IpcBridgeOptions options;
EventBusOptions busOptions;
try
{
    options = IpcBridgeOptions.FromEnvironment();
    busOptions = EventBusOptions.FromEnvironment() with { ClientName = "ipc-bridge/" + options.AgentRunId };
}
catch (FormatException e)
{
    await Console.Error.WriteLineAsync("ipc-bridge: " + e.Message);
    return BridgeExitCode.BadConfiguration;
}

// Configuration is the environment (e.g. Logging__LogLevel__Default=Debug); logs in the shared format.
using var loggerFactory = ConsoleLineLoggerFactory.FromEnvironment();
using var stop = new CancellationTokenSource();

// SIGTERM (the kubelet stopping the sidecar once the agent has exited) and SIGINT start the
// drain; the process then ends as soon as what is pending is published, not after a grace period.
void RequestStop(PosixSignalContext context)
{
    context.Cancel = true;
    stop.Cancel();
}

using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, RequestStop);
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, RequestStop);

return await new IpcBridgeService(options, busOptions, loggerFactory).RunAsync(stop.Token);
