using System.Reflection;
using Sympozium.Install;

namespace Sympozium.Demo;

/// <summary>
/// The local cluster's image map for the demo (<see cref="LocalImageMap"/>, the same as the
/// e2e/local suite's): the run path as its Native AOT binaries unless SYMPOZIUM_RUN_PATH=jit, the
/// control plane as its JIT build, the NATS image as the host's nats-server. The repository root
/// is recorded at build time (Sympozium.Demo.csproj).
/// </summary>
internal static class DemoImages
{
    /// <summary>The repository root (crds/, deploy/, artifacts/).</summary>
    public static string RepoRoot => typeof(DemoImages).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value!;

    public static async Task WriteAsync(string file)
    {
        var runPath = LocalImageMap.FromEnvironment(RunPathBuild.Aot);
        foreach (var component in LocalImageMap.Components.Where(c => !c.RunPath))
        {
            if (!File.Exists(LocalImageMap.JitAssembly(RepoRoot, component)))
            {
                throw new ArgumentException($"{LocalImageMap.JitAssembly(RepoRoot, component)} does not exist: build the demo first (scripts/demo.sh does)");
            }
        }

        string nats;
        try
        {
            nats = LocalImageMap.NatsServerExecutable();
        }
        catch (FileNotFoundException e)
        {
            throw new ArgumentException(e.Message, e);
        }

        await File.WriteAllTextAsync(file, LocalImageMap.Render(RepoRoot, runPath, nats)).ConfigureAwait(false);
    }
}
