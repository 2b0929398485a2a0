using System.Globalization;
using System.Text;
using Sympozium.Api.WellKnown;

namespace Sympozium.Install;

/// <summary>How the local cluster runs the run path's images.</summary>
public enum RunPathBuild
{
    /// <summary>The Native AOT binaries under artifacts/bin (what users run; <c>make demo</c>, <c>make test</c>).</summary>
    Aot,

    /// <summary>The JIT build output (<c>dotnet &lt;component&gt;.dll</c>): a plain <c>dotnet build</c> is enough.</summary>
    Jit,
}

/// <summary>
/// The local cluster's image map for a checkout of this repository (the --images file): which
/// executable runs each Sympozium image, and the NATS image as the host's nats-server.
/// <para>
/// The run path — agent-runner, ipc-bridge and the four channels, started for every run or
/// channel — runs its Native AOT binary (artifacts/bin/&lt;project&gt;/&lt;binary&gt;, what
/// aot-profiles/publish-all.sh writes) under <see cref="RunPathBuild.Aot"/>. The control plane
/// (controller, webhook) runs its JIT build unless SYMPOZIUM_CONTROL_PLANE=aot: one long-lived
/// process each, whose start-up is not on any run's path, and publishing both would double a
/// fresh checkout's first <c>make demo</c>. The benchmarks run it as Native AOT, as real images do.
/// </para>
/// <para>
/// Every entry carries a <c>pull</c> command: an image whose executable does not exist yet is
/// built on first use (the local kubelet's stand-in for a registry pull), so every image the
/// control plane may start is in the map — a channel added to a running demo gets its pod.
/// </para>
/// </summary>
public static class LocalImageMap
{
    /// <summary>One Sympozium image: its name under the registry, its project and its binary (AssemblyName).</summary>
    public sealed record Component(string Image, string Project, string Binary, bool RunPath);

    public static IReadOnlyList<Component> Components { get; } =
    [
        new("controller", "Sympozium.Controller", "controller", RunPath: false),
        new("webhook", "Sympozium.Webhook", "webhook", RunPath: false),
        new("agent-runner", "Sympozium.AgentRunner", "agent-runner", RunPath: true),
        new("ipc-bridge", "Sympozium.IpcBridge", "ipc-bridge", RunPath: true),
        new("channel-telegram", "Sympozium.Channel.Telegram", "channel-telegram", RunPath: true),
        new("channel-slack", "Sympozium.Channel.Slack", "channel-slack", RunPath: true),
        new("channel-discord", "Sympozium.Channel.Discord", "channel-discord", RunPath: true),
        new("channel-whatsapp", "Sympozium.Channel.WhatsApp", "channel-whatsapp", RunPath: true),
    ];

    /// <summary>Where aot-profiles/publish-all.sh puts a component's binary.</summary>
    public static string AotBinary(string repoRoot, Component component) =>
        Path.Combine(repoRoot, "artifacts", "bin", component.Project, component.Binary);

    /// <summary>Where <c>dotnet build -c <paramref name="configuration"/></c> puts a component's assembly.</summary>
    public static string JitAssembly(string repoRoot, Component component, string configuration = "Release") =>
        Path.Combine(repoRoot, "components", component.Project, "bin", configuration, "net10.0", "linux-x64", component.Binary + ".dll");

    /// <summary>
    /// The run path build named by SYMPOZIUM_RUN_PATH (<c>aot</c> or <c>jit</c>), or
    /// <paramref name="fallback"/> when it is unset.
    /// </summary>
    public static RunPathBuild FromEnvironment(RunPathBuild fallback) =>
        Environment.GetEnvironmentVariable("SYMPOZIUM_RUN_PATH")?.Trim().ToLowerInvariant() switch
        {
            null or "" => fallback,
            "aot" => RunPathBuild.Aot,
            "jit" => RunPathBuild.Jit,
            var other => throw new ArgumentException($"SYMPOZIUM_RUN_PATH is '{other}': set it to aot (the Native AOT binaries under artifacts/bin) or jit (dotnet <component>.dll)"),
        };

    /// <summary>How the control plane runs: SYMPOZIUM_CONTROL_PLANE (<c>aot</c> or <c>jit</c>), or <see cref="RunPathBuild.Jit"/> when it is unset.</summary>
    public static RunPathBuild ControlPlaneFromEnvironment() =>
        Environment.GetEnvironmentVariable("SYMPOZIUM_CONTROL_PLANE")?.Trim().ToLowerInvariant() switch
        {
            null or "" or "jit" => RunPathBuild.Jit,
            "aot" => RunPathBuild.Aot,
            var other => throw new ArgumentException($"SYMPOZIUM_CONTROL_PLANE is '{other}': set it to aot (the Native AOT binaries under artifacts/bin) or jit (dotnet <component>.dll, the default)"),
        };

    /// <summary>The map as YAML.</summary>
    /// <param name="natsServer">The nats-server executable the NATS image runs.</param>
    /// <param name="controlPlane">How the controller and webhook run (default: their JIT build).</param>
    public static string Render(string repoRoot, RunPathBuild runPath, string natsServer, string configuration = "Release", RunPathBuild controlPlane = RunPathBuild.Jit)
    {
        var map = new StringBuilder();
        foreach (var component in Components)
        {
            var image = $"{Defaults.ImageRegistry}/{component.Image}";
            if ((component.RunPath ? runPath : controlPlane) == RunPathBuild.Aot)
            {
                map.Append(CultureInfo.InvariantCulture, $"{image}:\n  command: {Quote(AotBinary(repoRoot, component))}\n");
                map.Append(CultureInfo.InvariantCulture, $"  pull: [{Quote(Path.Combine(repoRoot, "aot-profiles", "publish-all.sh"))}, --only, {component.Project}]\n");
            }
            else
            {
                var project = Path.Combine(repoRoot, "components", component.Project, component.Project + ".csproj");
                map.Append(CultureInfo.InvariantCulture, $"{image}:\n  command: dotnet\n  args: [{Quote(JitAssembly(repoRoot, component, configuration))}]\n");
                map.Append(CultureInfo.InvariantCulture, $"  pull: [dotnet, build, {Quote(project)}, -c, {configuration}, -nologo]\n");
                map.Append(CultureInfo.InvariantCulture, $"  pulled: {Quote(JitAssembly(repoRoot, component, configuration))}\n");
            }
        }

        map.Append(CultureInfo.InvariantCulture, $"\"nats*\": {Quote(natsServer)}\n");
        return map.ToString();
    }

    /// <summary>The host's nats-server: NATS_SERVER_BIN, else PATH, /usr/sbin and the usual places.</summary>
    public static string NatsServerExecutable()
    {
        if (Environment.GetEnvironmentVariable("NATS_SERVER_BIN") is { Length: > 0 } configured)
        {
            return configured;
        }

        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries);
        return path.Concat(["/usr/sbin", "/usr/local/sbin", "/usr/local/bin", "/usr/bin"])
            .Select(d => Path.Combine(d, "nats-server"))
            .FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException("nats-server was not found on PATH nor in /usr/sbin (scripts/ensure-packages.sh nats-server installs it), or set NATS_SERVER_BIN");
    }

    private static string Quote(string value) => "\"" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
