using System.Globalization;
using System.Reflection;
using System.Text;

namespace Sympozium.Demo;

/// <summary>
/// The local cluster's image map for the demo, the same as the e2e/local suite's: every Sympozium
/// image runs its component's build output (<c>dotnet &lt;assembly&gt;.dll</c>), the NATS image the
/// host's nats-server. The paths are recorded at build time (Sympozium.Demo.csproj).
/// </summary>
internal static class DemoImages
{
    /// <summary>The repository root (crds/, deploy/).</summary>
    public static string RepoRoot => Metadata().Single(a => a.Key == "RepoRoot").Value!;

    public static async Task WriteAsync(string file)
    {
        var map = new StringBuilder();
        foreach (var attribute in Metadata().Where(a => a.Key.StartsWith("image:", StringComparison.Ordinal)))
        {
            if (!File.Exists(attribute.Value))
            {
                throw new ArgumentException($"{attribute.Value} does not exist: build the demo first (scripts/demo.sh does)");
            }

            map.Append(CultureInfo.InvariantCulture, $"ghcr.io/sympozium-ai/sympozium/{attribute.Key["image:".Length..]}:\n  command: dotnet\n  args: [\"{attribute.Value}\"]\n");
        }

        map.Append(CultureInfo.InvariantCulture, $"\"nats*\": {NatsServerExecutable()}\n");
        await File.WriteAllTextAsync(file, map.ToString()).ConfigureAwait(false);
    }

    private static IEnumerable<AssemblyMetadataAttribute> Metadata() =>
        typeof(DemoImages).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>();

    private static string NatsServerExecutable()
    {
        if (Environment.GetEnvironmentVariable("NATS_SERVER_BIN") is { Length: > 0 } configured)
        {
            return configured;
        }

        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        return path.Concat(["/usr/sbin", "/usr/local/sbin", "/usr/local/bin", "/usr/bin"])
            .Select(d => Path.Combine(d, "nats-server"))
            .FirstOrDefault(File.Exists)
            ?? throw new ArgumentException("nats-server was not found on PATH nor in /usr/sbin (scripts/ensure-packages.sh nats-server installs it), or set NATS_SERVER_BIN");
    }
}
