using System.Diagnostics;

namespace Sympozium.LocalCluster.Tests;

/// <summary>Finds and runs the real kubectl binary against a local cluster's kubeconfig.</summary>
internal static class Kubectl
{
    /// <summary>kubectl 1.32 from the Google Cloud SDK if present (the CI image has it), else kubectl on PATH; null if none.</summary>
    public static string? Path { get; } = Find();

    private static string? Find()
    {
        foreach (var candidate in new[] { "/usr/lib/google-cloud-sdk/bin/kubectl.1.32", "/usr/lib/google-cloud-sdk/bin/kubectl.1.33" })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(dir => System.IO.Path.Combine(dir, "kubectl"))
            .FirstOrDefault(File.Exists);
    }

    public static ProcessStartInfo StartInfo(string kubeconfig, IEnumerable<string> args, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(Path ?? throw new InvalidOperationException("no kubectl binary on this machine"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? RepoPaths.Root,
        };
        info.Environment["KUBECONFIG"] = kubeconfig;
        info.Environment["HOME"] = System.IO.Path.GetDirectoryName(kubeconfig); // discovery cache per cluster
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string kubeconfig, string? stdin, params string[] args)
    {
        using var process = Process.Start(StartInfo(kubeconfig, args))!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}

/// <summary>A fact that is skipped, saying why, only when no kubectl binary exists on the machine.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class KubectlFactAttribute : FactAttribute
{
    public KubectlFactAttribute()
    {
        if (Kubectl.Path is null)
        {
            Skip = "no kubectl binary on this machine (looked for /usr/lib/google-cloud-sdk/bin/kubectl.1.32 and kubectl on PATH)";
        }
    }
}

/// <summary>Locates files of the repository from the test's output directory.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Sympozium.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Sympozium.sln not found above " + AppContext.BaseDirectory);
    }
}
