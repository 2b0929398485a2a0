using System.Globalization;
using System.Runtime.InteropServices;
using Sympozium.LocalCluster;

// sympozium-local-cluster --dir DIR [--port N] [--nodes FILE] [--images FILE]
// Prints exactly one line, "ready kubeconfig=<path>", once serving; stops on SIGINT/SIGTERM
// with the state saved in DIR.
string? dir = null;
string? nodes = null;
string? images = null;
var port = 0;
for (var i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--dir":
            dir = Value();
            break;
        case "--port":
            port = int.Parse(Value(), CultureInfo.InvariantCulture);
            break;
        case "--nodes":
            nodes = Value();
            break;
        case "--images":
            images = Value();
            break;
        case "-h" or "--help":
            Console.WriteLine("usage: sympozium-local-cluster --dir DIR [--port N] [--nodes FILE] [--images FILE]");
            return 0;
        default:
            await Console.Error.WriteLineAsync($"error: unknown argument '{args[i]}' (usage: --dir DIR [--port N] [--nodes FILE] [--images FILE])").ConfigureAwait(false);
            return 2;
    }
}

if (dir is null)
{
    await Console.Error.WriteLineAsync("error: --dir DIR is required (where the kubeconfig, certificates and state live)").ConfigureAwait(false);
    return 2;
}

using var stop = new CancellationTokenSource();
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });

LocalClusterServer server;
try
{
    server = await LocalClusterServer.StartAsync(new LocalClusterOptions { Directory = Path.GetFullPath(dir), Port = port, NodesFile = nodes, ImagesFile = images }, stop.Token).ConfigureAwait(false);
}
catch (Exception e) when (e is InvalidDataException or IOException)
{
    await Console.Error.WriteLineAsync($"error: {e.Message}").ConfigureAwait(false);
    return 1;
}

await using (server.ConfigureAwait(false))
{
    Console.WriteLine($"ready kubeconfig={server.KubeconfigPath}");
    try
    {
        await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
    }
    catch (OperationCanceledException)
    {
    }
}

return 0;
